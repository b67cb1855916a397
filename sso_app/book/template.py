"""The macro-enabled base of SSO_Plan.xlsm: Excel-made VBA, our ribbon, xlwings' config sheet.

Why the VBA comes from a file xlwings ships
    A VBA project (``xl/vbaProject.bin``) holds compiled p-code and a cache that only Office
    writes; no tool on this machine can compile VBA, and a hand-made project is something Excel
    may refuse or "repair" away. xlwings ships Excel-made templates inside its package. The one
    in ``quickstart_addin_ribbon.xlam`` has everything the planning book needs:

    - module ``xlwings``: ``RunPython``, ``ImportPythonUDFs`` and the config reader, for xlwings
      0.37.8 exactly (it declares ``xlwings64-0.37.8.dll``: the Python package must match);
    - module ``RibbonMyAddin``: ``Sub RunMain(control As IRibbonControl)``, which runs
      ``import <book name>; <book name>.main()``; for SSO_Plan.xlsm that is
      ``import SSO_Plan; SSO_Plan.main()``. It is the only ribbon callback this VBA has, so our
      button calls it.

    We copy that package and only turn it from an add-in into a workbook; ``xl/vbaProject.bin``
    stays byte for byte what xlwings ships (tests check it).

The trap every save must undo
    openpyxl keeps ``customUI/customUI.xml`` on save but drops its relationship from
    ``_rels/.rels``, and without the relationship Excel shows no ribbon. So each openpyxl save is
    followed by :func:`ensure_ribbon`.

Document modules (checked in the shipped VBA's ``PROJECT`` stream, see :func:`vba_module_kinds`)
    The VBA project has two document modules: ``ThisWorkbook`` (the workbook, matching
    ``workbookPr codeName="ThisWorkbook"``) and ``Sheet2`` (bound to the template's only sheet,
    ``_myaddin.conf``, ``sheetPr codeName="Sheet2"``); both are empty. openpyxl keeps
    ``wb.code_name`` and each ``ws.sheet_properties.codeName`` on load and save.

    - Never change ``wb.code_name``: if it does not name the VBA's workbook module, Excel adds a
      second one (``ThisWorkbook1``) and the original stops receiving workbook events
      (XlsxWriter issue 438, SheetJS issue 615).
    - Sheets the builder adds have no codeName; on open Excel gives each a free one and creates
      an empty document module for it. Harmless: our VBA has no sheet code. If you set codeNames
      yourself, keep them unique and do not reuse ``Sheet2`` for a planner sheet.
    - Removing the sheet bound to ``Sheet2`` leaves an orphan document module that the VBA editor
      still lists and cannot delete (ClosedXML issue 2200, VBASync issue 24).
      :func:`write_xlwings_conf` avoids it by turning that template sheet into the config
      sheet, keeping codeName ``Sheet2``.

    These Excel behaviours come from those reports; without Excel they are not re-checked here.
    What is checked: the module kinds, the codeNames openpyxl writes, and the bytes of the VBA.
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.worksheet.worksheet import Worksheet

from sso_kpi.errors import SsoError

# -- package constants ------------------------------------------------------------------------

XLWINGS_TEMPLATE = "quickstart_addin_ribbon.xlam"
"""File inside the installed ``xlwings`` package whose Excel-made VBA we reuse."""

ADDIN_MAIN_CT = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_MAIN_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
CUSTOMUI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SML_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
EXTENSIBILITY_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
"""Relationship type Excel follows to a 2006/01 ribbon (the form xlwings' template uses)."""

RIBBON_CALLBACK = "RibbonMyAddin.RunMain"
"""The only ``IRibbonControl`` callback in the shipped VBA."""

# The template's sheet and its VBA document module (see the module docstring).
_TEMPLATE_CONF_CODENAME = "Sheet2"


# -- the base workbook ------------------------------------------------------------------------


def xlwings_template() -> Path:
    """Path of xlwings' ribbon add-in template inside the installed package."""
    try:
        import xlwings
    except ImportError as err:  # pragma: no cover - xlwings is a declared dependency
        raise SsoError(
            "ไม่พบแพ็กเกจ xlwings: ติดตั้งด้วย pip install xlwings==0.37.8",
            "the xlwings package is missing: pip install xlwings==0.37.8",
        ) from err
    path = Path(xlwings.__file__).parent / XLWINGS_TEMPLATE
    if not path.is_file():
        raise SsoError(
            f"ไม่พบแม่แบบ {XLWINGS_TEMPLATE} ในแพ็กเกจ xlwings",
            f"{XLWINGS_TEMPLATE} is missing from the installed xlwings package",
            where=str(path.parent),
        )
    return path


def base_workbook(dest: Path, customui_xml: str | None = None) -> None:
    """Write the macro-enabled base workbook ``dest`` (an ``.xlsm``).

    It is xlwings' ``quickstart_addin_ribbon.xlam`` with three changes, all at the zip level so
    ``xl/vbaProject.bin`` is not touched:

    - ``[Content_Types].xml``: the workbook part's type goes from the add-in type
      (``application/vnd.ms-excel.addin.macroEnabled.main+xml``) to the macro-enabled
      workbook type (``application/vnd.ms-excel.sheet.macroEnabled.main+xml``); Excel refuses
      an ``.xlsm`` whose main part says add-in;
    - ``xl/workbook.xml``: the add-in's ``<workbookView visibility="hidden">`` loses
      ``visibility`` (an add-in's window is hidden; a planning book's must show);
    - ``customUI/customUI.xml`` becomes ours (:data:`RIBBON_XML` unless given) and the
      extensibility relationship is made sure of.

    The one sheet is xlwings' inactive config template ``_myaddin.conf`` (codeName
    ``Sheet2``); :func:`write_xlwings_conf` turns it into the live, hidden config sheet.
    The result loads with ``openpyxl.load_workbook(dest, keep_vba=True)``.
    """
    dest = Path(dest)
    if dest.suffix.lower() != ".xlsm":
        raise ValueError(f"base workbook must be an .xlsm, not {dest.name}")

    def transform(name: str, data: bytes) -> bytes:
        if name == CONTENT_TYPES:
            return _set_main_content_type(data, XLSM_MAIN_CT)
        if name == "xl/workbook.xml":
            return _show_workbook_window(data)
        return data

    tmp = dest.with_name(dest.name + ".base.tmp")
    try:
        rewrite_zip(xlwings_template(), tmp, transform)
        ensure_ribbon(tmp, dest, RIBBON_XML if customui_xml is None else customui_xml)
    finally:
        tmp.unlink(missing_ok=True)


def _set_main_content_type(data: bytes, content_type: str) -> bytes:
    root = ET.fromstring(data)
    found = False
    for override in root.iter(f"{{{CT_NS}}}Override"):
        if override.get("PartName") == "/xl/workbook.xml":
            override.set("ContentType", content_type)
            found = True
    if not found:
        raise ValueError("[Content_Types].xml has no override for /xl/workbook.xml")
    return _xml_bytes(root, CT_NS)


def _show_workbook_window(data: bytes) -> bytes:
    # A regex, not a parse and re-serialise: workbook.xml carries mc:Ignorable prefixes that
    # ElementTree would rename, breaking Excel's markup-compatibility processing.
    text = data.decode("utf-8")
    text = re.sub(r'(<workbookView\b[^>]*?)\s+visibility="[^"]*"', r"\1", text)
    return text.encode("utf-8")


# -- the ribbon -------------------------------------------------------------------------------


_SUPERTIP = (
    "Rebuild the quarterly summary sheet from the results typed in this workbook "
    "(runs SSO_Plan.main() through xlwings)."
)


def ribbon_xml(label_th: str = "สร้างสรุปรายไตรมาส") -> str:
    """Our ribbon (customUI 2006/01): tab "SSO KPI", one large button that runs ``main()``.

    The button's ``onAction`` is :data:`RIBBON_CALLBACK` because the Excel-made VBA has no
    other ``IRibbonControl`` callback; that Sub runs ``import SSO_Plan; SSO_Plan.main()``.
    Labels are UTF-8 Thai (Excel shows them as they are); screentip and supertip are English so
    a support person who does not read Thai knows what the button does.
    """
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="{CUSTOMUI_NS}">
  <ribbon>
    <tabs>
      <tab id="tabSsoKpi" label="SSO KPI">
        <group id="grpSummary" label="สรุปผล / Summary">
          <button id="btnRebuild" label={quoteattr(label_th)} size="large"
                  imageMso="RefreshAll" onAction="{RIBBON_CALLBACK}"
                  screentip="Rebuild quarterly summary"
                  supertip={quoteattr(_SUPERTIP)}/>
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""


RIBBON_XML = ribbon_xml()


def ensure_ribbon(src: Path, dst: Path, customui_xml: str) -> None:
    """Copy the package ``src`` to ``dst`` with our ribbon wired in.

    - every member of ``src`` is copied, ``[Content_Types].xml`` first (as Office writes it);
    - ``customUI/customUI.xml`` is written (or replaced) with ``customui_xml`` in UTF-8;
    - ``_rels/.rels`` ends with exactly one relationship of the extensibility type, targeting
      ``customUI/customUI.xml`` (an existing one keeps its Id; otherwise a fresh unused Id);
      all other relationships are kept.

    Idempotent. ``dst`` is written in place: replacing the real workbook atomically is the
    caller's job. ``src`` and ``dst`` must differ.
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("ensure_ribbon needs a destination different from its source")
    try:
        package = Package(src)
    except ValueError as err:
        raise ValueError(f"{src} is {err}") from None
    wire_ribbon(package, customui_xml)
    package.write(dst)


def wire_ribbon(package: Package, customui_xml: str) -> None:
    """:func:`ensure_ribbon` on a package in memory."""
    ui = customui_xml.encode("utf-8")
    root = ET.fromstring(ui)
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise ValueError(f"customUI root must be {{{CUSTOMUI_NS}}}customUI, not {root.tag}")
    package[CUSTOMUI_PART] = ui
    if ROOT_RELS in package:
        package[ROOT_RELS] = _ensure_extensibility_rel(package[ROOT_RELS])
    package[CONTENT_TYPES] = _ensure_xml_content_type(package[CONTENT_TYPES])


def _ensure_extensibility_rel(data: bytes) -> bytes:
    root = ET.fromstring(data)
    rels = root.findall(f"{{{REL_NS}}}Relationship")
    ui = [r for r in rels if r.get("Type") == EXTENSIBILITY_REL]
    keep = next((r for r in ui if _rel_target(r) == CUSTOMUI_PART), ui[0] if ui else None)
    for rel in ui:
        if rel is not keep:
            root.remove(rel)
    if keep is None:
        ids = {r.get("Id") for r in rels}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        keep = ET.SubElement(root, f"{{{REL_NS}}}Relationship", Id=f"rId{n}")
    keep.set("Type", EXTENSIBILITY_REL)
    keep.set("Target", CUSTOMUI_PART)
    keep.attrib.pop("TargetMode", None)
    return _xml_bytes(root, REL_NS)


def _rel_target(rel: ET.Element) -> str:
    """Package-relative target of a root relationship ("/customUI/x.xml" -> "customUI/x.xml")."""
    return posixpath.normpath(rel.get("Target", "").lstrip("/"))


def _ensure_xml_content_type(data: bytes) -> bytes:
    """Make sure ``.xml`` parts (so customUI.xml) have a content type; openpyxl always adds it."""
    root = ET.fromstring(data)
    has_default = any(
        d.get("Extension", "").lower() == "xml" for d in root.iter(f"{{{CT_NS}}}Default")
    )
    has_override = any(
        o.get("PartName") == "/" + CUSTOMUI_PART for o in root.iter(f"{{{CT_NS}}}Override")
    )
    if has_default or has_override:
        return data
    ET.SubElement(
        root,
        f"{{{CT_NS}}}Override",
        PartName="/" + CUSTOMUI_PART,
        ContentType="application/xml",
    )
    return _xml_bytes(root, CT_NS)


# -- xlwings' config sheet --------------------------------------------------------------------

XLWINGS_CONF_SHEET = "myaddin.conf"
"""The sheet the shipped VBA reads its settings from.

Found in the VBA (``olevba`` on the template's vbaProject.bin, also
``site-packages/xlwings/xlwings_custom_addin.bas`` line 67 and 634)::

    Public Const PROJECT_NAME As String = "myaddin"
    Set sht = wb.Sheets(PROJECT_NAME & ".conf")

so it is ``myaddin.conf``, not ``xlwings.conf``: ``xlwings.conf`` is the name used by
``xlwings.bas`` / the standalone template and by the xlwings add-in (``PROJECT_NAME =
"xlwings"``), and Python's ``xlwings.utils.read_config_sheet`` reads ``xlwings.conf`` only for
Pro/OneDrive settings we do not use. A leading underscore (``_myaddin.conf``,
``_xlwings.conf``) is how the templates ship the sheet *inactive*: the standalone template
says 'Rename this sheet to "xlwings.conf" to activate it ... The settings have to start in
cell A1.' Tests re-derive this name from the VBA, so an xlwings upgrade cannot change it
silently.
"""

XLWINGS_CONF_KEYS = (
    "Interpreter_Win",
    "Interpreter_Mac",
    "PYTHONPATH",
    "Conda Path",
    "Conda Env",
    "UDF Modules",
    "Debug UDFs",
    "Use UDF Server",
    "Show Console",
    "ADD_WORKBOOK_TO_PYTHONPATH",
)
"""Keys the VBA asks for (``GetConfig("...")`` in the shipped module ``xlwings``).

The first nine are the rows of xlwings' own template sheet. The VBA also reads INTERPRETER
(legacy), LICENSE_KEY, TEMP DIR, SHOW_ERROR_POPUPS, ONEDRIVE_CONSUMER_WIN/_MAC,
ONEDRIVE_COMMERCIAL_WIN/_MAC and SHAREPOINT_WIN/_MAC. Keys are matched case-insensitively.
"""


def write_xlwings_conf(
    wb: openpyxl.Workbook, settings: Mapping[str, str | bool | None]
) -> Worksheet:
    """Write the hidden sheet :data:`XLWINGS_CONF_SHEET` with one ``key | value`` row each.

    Example: ``{"UDF Modules": "udfs", "Interpreter_Win": r"%LOCALAPPDATA%\\sso\\python.exe"}``.

    How the VBA reads it (``GetConfigFromSheet`` / ``GetConfig``), and what that implies:

    - keys from A1 down to the first empty cell (``Range("A1").End(xlDown)``), values in
      column B: no header row, no blank key; a header would just be read as one more key;
    - keys go into a dictionary upper-cased: a duplicate key (even differing in case) makes
      ``Dictionary.Add`` fail and breaks every RunPython call, so it is refused here;
    - a key that is present wins over the config files (``myaddin.conf`` beside the workbook,
      ``%USERPROFILE%\\.myaddin\\myaddin.conf``) even when its value is empty: leave out keys
      you do not mean to pin, rather than writing them empty;
    - ``Interpreter_Win`` / ``Interpreter_Mac`` empty or absent means "python" on the PATH;
      ``UDF Modules`` absent means a module named like the workbook (``SSO_Plan``); values
      may use %VAR% (Windows) or $HOME (macOS);
    - booleans (``Show Console``...) are written as Excel booleans, like xlwings' template.

    Hidden is fine: the VBA finds the sheet with ``wb.Sheets(name)``, which includes hidden
    sheets, and reads cells by address; xlwings' own ``release`` command hides it
    (``RELEASE_HIDE_CONFIG_SHEET``). The sheet is ``hidden``, not ``veryHidden``, so support
    staff can unhide it from Excel.

    The xlwings template sheet ``_myaddin.conf`` (or an earlier ``myaddin.conf``) is replaced
    by a fresh sheet that keeps its codeName, so the VBA's ``Sheet2`` document module stays
    bound. The new sheet goes last. Call this after adding the planner sheets: the workbook
    needs another visible sheet, which becomes the active one if the config sheet was.
    """
    rows = [(str(k).strip(), v) for k, v in settings.items()]
    seen: set[str] = set()
    for key, _ in rows:
        if not key:
            raise ValueError("xlwings config keys must not be empty")
        if key.upper() in seen:
            raise ValueError(f"duplicate xlwings config key (case-insensitive): {key!r}")
        seen.add(key.upper())

    before = wb.active
    code_name = None
    for name in (XLWINGS_CONF_SHEET, "_" + XLWINGS_CONF_SHEET):
        if name in wb.sheetnames:
            old = wb[name]
            code_name = code_name or old.sheet_properties.codeName
            wb.remove(old)
    if code_name is None and not any(
        ws.sheet_properties.codeName == _TEMPLATE_CONF_CODENAME for ws in wb.worksheets
    ):
        code_name = _TEMPLATE_CONF_CODENAME  # re-bind the VBA's orphan document module

    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise ValueError(
            "add the planner sheets before the hidden xlwings config sheet: "
            "a workbook needs one visible sheet"
        )
    active = before if before in visible else visible[0]

    ws = wb.create_sheet(XLWINGS_CONF_SHEET)
    if code_name:
        ws.sheet_properties.codeName = code_name
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(r, 1, key).data_type = "s"
        cell = ws.cell(r, 2, value)
        if isinstance(value, str):
            cell.data_type = "s"  # a value starting with "=" is text, never a formula
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 60
    ws.sheet_state = "hidden"

    wb.active = wb.index(active)
    for sheet in wb.worksheets:  # exactly one selected tab, or Excel opens sheets grouped
        sheet.sheet_view.tabSelected = sheet is active
    return ws


def read_xlwings_conf(wb: openpyxl.Workbook) -> dict[str, object]:
    """The ``key | value`` rows of the config sheet, read as the VBA does (A1 down to the
    first empty key); empty when the book has no live config sheet."""
    if XLWINGS_CONF_SHEET not in wb.sheetnames:
        return {}
    ws = wb[XLWINGS_CONF_SHEET]
    conf: dict[str, object] = {}
    for key, value in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        if key in (None, ""):
            break
        conf[str(key)] = value
    return conf


def with_conf_key(conf: dict[str, object], key: str, value: str) -> dict[str, object]:
    """``conf`` with ``key`` set, replacing a key that differs only in case (the VBA
    upper-cases keys: two spellings would break every RunPython call)."""
    kept = {k: v for k, v in conf.items() if k.upper() != key.upper()}
    return {**kept, key: value}


# -- reading the VBA back ---------------------------------------------------------------------


def check_vba(path: Path) -> dict[str, str]:
    """``{module name: source}`` of the VBA project in the workbook ``path`` (via olevba).

    Sources keep their ``Attribute VB_...`` header lines; line ends are ``\\n``. A workbook
    without VBA gives ``{}``. Used by tests and doctor-style checks, e.g.
    ``"Sub RunMain(control As IRibbonControl)" in check_vba(p)["RibbonMyAddin"]``.
    """
    with warnings.catch_warnings():  # oletools 0.60 uses pyparsing names deprecated in 3.x
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return {}
        modules: dict[str, str] = {}
        for _container, _stream, vba_filename, code in parser.extract_macros():
            name = vba_filename.rsplit(".", 1)[0] if "." in vba_filename else vba_filename
            if isinstance(code, bytes):
                code = code.decode("latin-1")
            modules[name] = code.replace("\r\n", "\n").replace("\r", "\n")
        return modules
    finally:
        parser.close()


def vba_module_kinds(path: Path) -> dict[str, str]:
    """``{module: kind}`` from the VBA ``PROJECT`` stream: Document, Module, Class or Designer.

    Document modules must match ``wb.code_name`` / sheet codeNames (see the module docstring);
    e.g. the shipped project gives ThisWorkbook and Sheet2 as Document.
    """
    import olefile  # installed with oletools

    with zipfile.ZipFile(path) as zf:
        vba = zf.read(VBA_PART)
    with olefile.OleFileIO(io.BytesIO(vba)) as ole:
        text = ole.openstream("PROJECT").read().decode("latin-1")
    kinds: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("["):
            break
        key, sep, value = line.partition("=")
        if sep and key in ("Document", "Module", "Class", "BaseClass"):
            kinds[value.split("/", 1)[0]] = "Designer" if key == "BaseClass" else key
    return kinds


# -- zip plumbing -----------------------------------------------------------------------------


class Package:
    """An Office package held in memory, part by part, to be changed and written once.

    Every step after openpyxl's save (dynamic arrays, ribbon, cached values) edits the parts
    it owns here; the package is decompressed once and compressed once, however many steps.
    Members keep their order and zip attributes; ``[Content_Types].xml`` is written first.
    """

    def __init__(self, source: Path | bytes) -> None:
        stream = io.BytesIO(source) if isinstance(source, bytes) else source
        with zipfile.ZipFile(stream) as zin:
            self.infos = zin.infolist()
            self.parts = {i.filename: zin.read(i) for i in self.infos}
        if CONTENT_TYPES not in self.parts:
            raise ValueError(f"not an Office package: no {CONTENT_TYPES}")

    def __contains__(self, name: str) -> bool:
        return name in self.parts

    def __getitem__(self, name: str) -> bytes:
        return self.parts[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        """Replace a part, or add it after the others (dated like the first member)."""
        if name not in self.parts:
            info = zipfile.ZipInfo(name, date_time=self.infos[0].date_time)
            self.infos.append(info)
        self.parts[name] = data

    def transform(self, fn: Callable[[str, bytes], bytes]) -> None:
        """Pass every part through ``fn(name, data)``."""
        for name, data in self.parts.items():
            self.parts[name] = fn(name, data)

    def stored(self) -> bytes:
        """The package as zip bytes without compression (for a reader in this process)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as zout:
            for info in self.infos:
                zout.writestr(info.filename, self.parts[info.filename])
        return buffer.getvalue()

    def write(self, dst: Path) -> None:
        infos = sorted(self.infos, key=lambda i: i.filename != CONTENT_TYPES)  # stable
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
            for info in infos:
                out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = info.external_attr
                zout.writestr(out, self.parts[info.filename])


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet_parts(package: Package) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.xml and its relationships."""
    book = SafeET.fromstring(package["xl/workbook.xml"])
    rels = SafeET.fromstring(package["xl/_rels/workbook.xml.rels"])

    def part(target: str) -> str:  # relative to xl/, or absolute from the package root
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join("xl", target))

    target = {r.get("Id"): part(r.get("Target", "")) for r in rels}
    out = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        found = target.get(sheet.get(f"{{{_DOC_REL_NS}}}id"))
        if found:
            out[found] = sheet.get("name", "")
    return out


EMPTY_SHEET_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL_NS}"><sheetData/></worksheet>'
).encode()


def rewrite_zip(
    src: Path,
    dst: Path,
    transform: Callable[[str, bytes], bytes],
    add: Mapping[str, bytes] | None = None,
) -> None:
    """Copy zip ``src`` to ``dst`` through ``transform(name, data)``; ``add`` missing members.

    ``[Content_Types].xml`` goes first, the rest keep their order; members in ``add`` that
    ``src`` lacks are appended (also through ``transform``).
    """
    try:
        package = Package(Path(src))
    except ValueError as err:
        raise ValueError(f"{src} is {err}") from None
    for name, data in (add or {}).items():
        if name not in package:
            package[name] = data
    package.transform(transform)
    package.write(Path(dst))


def _xml_bytes(root: ET.Element, default_ns: str) -> bytes:
    """Serialise a flat package part (``<Types>``, ``<Relationships>``) with ``default_ns``.

    Written by hand because ElementTree would either prefix everything (``ns0:``) or need the
    process-wide ``register_namespace``; these parts are one root with empty children.
    """

    def local(tag: str) -> str:
        if not tag.startswith(f"{{{default_ns}}}"):
            raise ValueError(f"unexpected element {tag} in a {default_ns} part")
        return tag.split("}", 1)[1]

    def attrs(el: ET.Element) -> str:
        return "".join(f" {k}={quoteattr(v)}" for k, v in el.attrib.items())

    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    parts.append(f"<{local(root.tag)} xmlns={quoteattr(default_ns)}{attrs(root)}>")
    for child in root:
        if len(child) or (child.text or "").strip():
            raise ValueError(f"nested content in {child.tag} is not supported")
        parts.append(f"<{local(child.tag)}{attrs(child)}/>")
    parts.append(f"</{local(root.tag)}>")
    return "".join(parts).encode("utf-8")
