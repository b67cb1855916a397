"""The band chart for slides (``<stem>_bands.png``), drawn by matplotlib, whose libraqm text
layout (3.11+) places Thai vowel and tone marks correctly (checked by eye: ที่, ปั้น, ไม่).

Bars keep one thickness whatever the number of strategies: a report of one strategy is a
bar in a chart of slide proportions (16:9 at most), not a thin strip with its labels on top.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd

from sso_kpi.errors import SsoError
from sso_kpi.scoring import BAND_MEANING_TH, BAND_TH, GREEN, RED, YELLOW

PNG_FONTS = ("TH Sarabun New", "Sarabun", "Loma", "Garuda", "Waree", "Tahoma")
MIN_SLOTS = 4  # a chart is laid out for at least this many bars


def thai_font() -> str:
    """A Thai-capable font matplotlib can find, the office's own first."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in PNG_FONTS:
            if name in installed:
                return name
        if attempt == 0:
            # matplotlib caches its font list once: fonts installed after that (apt-get
            # install fonts-thai-tlwg on a machine that already drew a chart) are unseen.
            for path in font_manager.findSystemFonts():
                with contextlib.suppress(Exception):  # a font file it cannot parse
                    font_manager.fontManager.addfont(path)
    raise SsoError(
        "ไม่พบฟอนต์ภาษาไทย: ติดตั้งด้วย apt-get install fonts-thai-tlwg",
        "no Thai font found for the chart: apt-get install fonts-thai-tlwg",
    )


def bands_png(rows: pd.DataFrame, title: str, path: Path, colours: dict[str, str]) -> None:
    """Horizontal stacked bars per strategy, counts in the bars, Thai labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = rows[rows["label"] != "รวม"].iloc[::-1]  # first strategy on top
    n = max(len(data), 1)
    slots = max(n, MIN_SLOTS)
    font = thai_font()
    fig = Figure(figsize=(10, max(10 * 9 / 16, 2.2 + 0.6 * slots)), dpi=150)  # 16:9 at most
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    left = np.zeros(len(data))
    positions = np.arange(len(data), dtype=float)
    for band in (GREEN, YELLOW, RED):
        values = data[band].to_numpy(float)
        bars = ax.barh(
            positions,
            values,
            height=0.6,
            left=left,
            color=f"#{colours[band]}",
            edgecolor="white",
            label=f"{BAND_TH[band]} ({BAND_MEANING_TH[band]})",
        )
        for bar, value in zip(bars, values, strict=True):
            if value:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{int(value)}",
                    ha="center",
                    va="center",
                    fontsize=11,
                    fontfamily=font,
                )
        left += values
    # Fewer bars than slots: centre them with the thickness a full chart gives them.
    pad = (slots - len(data)) / 2
    ax.set_ylim(-0.5 - pad, len(data) - 0.5 + pad)
    ax.set_yticks(positions, data["label"].tolist())
    ax.set_xlim(0, max(float(left.max()) if len(left) else 1.0, 1.0) * 1.05)
    ax.set_title(title, fontfamily=font, fontsize=13)
    ax.set_xlabel("จำนวนงาน/โครงการ", fontfamily=font)
    for label in ax.get_yticklabels():
        label.set_fontfamily(font)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(prop={"family": font, "size": 10}, loc="lower center", ncol=3, frameon=False)
    legend_share = 0.5 / fig.get_figheight()  # half an inch for the legend under the axis
    fig.tight_layout(rect=(0, legend_share, 1, 1))
    fig.savefig(path, format="png")
