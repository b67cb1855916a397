"""The คำแนะนำ sheet: how to type, what the colours mean, how to install (Thai, with English)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book.settings import Settings
from sso_app.book.sheets import TITLE_FONT, band_tint, fit_wrapped_rows, print_setup
from sso_app.files.textsafe import set_text_cell
from sso_kpi.scoring import BAND_MEANING_TH, BAND_TH, BANDS


def write_instructions_sheet(ws: Worksheet, settings: Settings) -> None:
    ws.column_dimensions["A"].width = 120
    row = 1
    for kind, text in INSTRUCTIONS:
        cell = ws.cell(row=row, column=1)
        set_text_cell(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "h1":
            cell.font = TITLE_FONT
        elif kind == "h2":
            row += 1
            cell = ws.cell(row=row, column=1)
            ws.cell(row=row - 1, column=1).value = None
            set_text_cell(cell, text)
            cell.font = Font(bold=True, size=12, color="1F3864")
        elif kind.startswith("band:"):
            rgb = band_tint(settings.colours[kind.split(":", 1)[1]])  # text on it: the tint
            cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)
        row += 1
    ws.sheet_view.showGridLines = False
    fit_wrapped_rows(ws)
    print_setup(ws, landscape=False, last_col=1)


INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    ("h1", "สมุดงานแผน-ผลตัวชี้วัด สำนักงานประกันสังคม / SSO KPI planning workbook"),
    ("p", "สมุดงานนี้คำนวณผลสำเร็จของตัวชี้วัด ค่าเฉลี่ยงาน/โครงการ แถบสี และสรุปรายไตรมาสเอง "
          "(ด้วย Python ผ่าน xlwings) / the book computes achievement, project averages, colour "
          "bands and the quarterly summary itself."),
    ("h2", "1. การกรอกข้อมูล / entering data"),
    ("p", "• ชีต ตั้งค่า: ปี พ.ศ. (เช่น 2564), ปีปฏิทิน หรือ ปีงบประมาณ (ไตรมาส 1 = ต.ค.-ธ.ค.), "
          "ไตรมาสที่จะสรุป (1-4), เกณฑ์สี และหน่วยงาน แก้เฉพาะคอลัมน์ value; เปลี่ยนชนิดปีแล้ว"
          "กดปุ่ม สร้างสรุปรายไตรมาส ชื่อเดือนบนหัวตารางจะเปลี่ยนตาม / change the year kind, "
          "press the button: the month headers follow"),
    ("p", "• ชีต แผน-ผล: หนึ่งแถวต่อหนึ่งตัวชี้วัด ในตาราง tbl_kpi; หัวตารางภาษาไทย (แถว 3) "
          "แถวชื่อคอลัมน์ภาษาอังกฤษตัวเล็ก (แถว 4) ใช้กับสูตร ห้ามแก้; กรอกแผนและผลแบบสะสมรายไตรมาส "
          "หรือรายเดือน: แผน/ผล ของแต่ละเดือนอยู่คู่กัน เรียงตามไตรมาสของปีที่เลือก; "
          "ถ้ากรอกทั้งสองแบบ ใช้ค่ารายไตรมาส; รหัสและชื่อตัวชี้วัดถูกตรึงไว้ทางซ้ายขณะเลื่อน"),
    ("p", "• ช่องสีขาว = กรอก, ช่องสีเทา = คำนวณ (ห้ามพิมพ์ทับ Excel จะไม่ยอมรับ) "
          "/ white cells are typed, grey cells are computed (typing there is refused)"),
    ("p", "• ข้อความประกอบ: สูตรคำนวณ/วิธีการคำนวณ ผลการดำเนินงาน ปัญหาอุปสรรค แนวทางแก้ไข "
          "หมายเหตุ ในคอลัมน์ท้ายตาราง tbl_kpi (พิมพ์ในแบบรายงานรายเดือน และรวมไปยังระดับประเทศ) "
          "/ the text columns at the end of tbl_kpi"),
    ("p", "• ตัวเลขให้พิมพ์เป็นตัวเลขล้วน ไม่ต้องพิมพ์หน่วย; ช่องที่ไม่มีค่าให้เว้นว่าง "
          "/ numbers only, no units; leave a cell blank when there is no value"),
    ("p", "• ยุทธศาสตร์ กลยุทธ์ ตัวชี้วัดที่ เก็บเป็นข้อความ (1.10 ไม่ใช่ 1.1) "
          "/ strategy, sub-strategy and indicator numbers are text"),
    ("p", "• ทิศทาง: ยิ่งมากยิ่งดี หรือ ยิ่งน้อยยิ่งดี; การรวมค่ารายเดือน: รวม, ค่าล่าสุด (ร้อยละ "
          "ระดับ คะแนน), ค่าเฉลี่ย, ค่าสูงสุด; ว่าง = ตามหน่วยนับ (คำภาษาอังกฤษ higher/lower, "
          "sum/last/average/max ก็อ่านได้) ช่อง รวม ทางขวาคำนวณตามการรวมค่านี้"),
    ("p", "• เพิ่มแถวใหม่ใต้ตาราง (ตารางขยายเอง): Excel 365 คำนวณแถวใหม่ทันที (สูตรแบบ dynamic "
          "array ขยายลงเอง); Excel 2016/2019 ให้กดปุ่ม สร้างสรุปรายไตรมาส เพื่อขยายสูตรให้ครบทุกแถว "
          "ไม่ต้องนำเข้าใหม่ / new rows: Excel 365 computes them at once; older Excel: press "
          "the button, which refits the formulas (no re-import)"),
    ("p", "• ชีต งบประมาณ: แผนและผลการเบิกจ่ายตามหมวดงบ (บาท); ชีต คะแนน ก.พ.ร.: ตัวชี้วัด "
          "น้ำหนัก ค่าเป้าหมาย ขั้นต้น/มาตรฐาน/ขั้นสูง และผลการดำเนินงาน ในตาราง tbl_opdc"),
    ("h2", "2. ความหมายของสี / what the colours mean"),
    *(("band:" + b, f"{BAND_TH[b]} ({b}): {BAND_MEANING_TH[b]}") for b in BANDS),
    ("p", "สีของงาน/โครงการมาจากค่าเฉลี่ยถ่วงน้ำหนักของตัวชี้วัดที่ถึงกำหนด ปัดครึ่งขึ้น "
          "/ a project's band is from the weighted average of its due indicators, rounded half up"),
    ("h2", "3. การติดตั้ง / installation (ครั้งเดียว / once)"),
    ("p", "• ติดตั้ง Python 3.11-3.14 แล้วดับเบิลคลิก install.cmd ในชุดติดตั้งออฟไลน์ (sso-kpi kit) "
          "หรือสั่ง pip install <โฟลเดอร์โครงการ sso-kpi> / install Python, then run the offline "
          "kit's install.cmd, or pip install the sso-kpi project"),
    ("p", "• ไม่ต้องติดตั้ง xlwings add-in (ไม่ต้องสั่ง xlwings addin install): สมุดงานนี้มีโค้ด VBA "
          "ของ xlwings อยู่ในตัว / the xlwings add-in is NOT needed: the VBA is in this book"),
    ("p", "• เก็บไฟล์ชื่อ SSO_Plan.xlsm ไว้โฟลเดอร์เดียวกับ SSO_Plan.py ห้ามเปลี่ยนชื่อ "
          "เพราะปุ่มบนริบบอนสั่ง import SSO_Plan / keep the name SSO_Plan.xlsm next to "
          "SSO_Plan.py: the ribbon button runs import SSO_Plan"),
    ("p", "• เปิดใช้แมโคร (Enable Content) และใน File > Options > Trust Center > Trust Center "
          "Settings > Macro Settings เลือก Trust access to the VBA project object model"),
    ("p", "• ฟังก์ชัน SSO_: กดปุ่ม สร้างสรุปรายไตรมาส ครั้งแรกจะนำเข้าให้เองและคำนวณใหม่ทั้งเล่ม "
          "แล้วบันทึกไฟล์ / the first click on the rebuild button imports the SSO_ functions and "
          "recalculates the book; then save it (or Alt+F8 > ImportPythonUDFs, Ctrl+Alt+F9)"),
    ("p", "• ถ้าไม่มี Excel (เช่น LibreOffice): ใช้คำสั่ง sso-kpi rebuild SSO_Plan.xlsm แทนปุ่ม "
          "/ without Excel, run sso-kpi rebuild on the closed book"),
    ("h2", "4. ปุ่ม สร้างสรุปรายไตรมาส (แท็บ SSO KPI) / the rebuild button"),
    ("p", "• อ่านตาราง tbl_kpi tbl_budget tbl_opdc และค่าในชีตตั้งค่า คำนวณด้วยกติกาเดียวกับ "
          "sso-kpi แล้วเขียนชีต สรุปรายไตรมาส และ แบบรายงานรายเดือน ใหม่ทั้งชีต คะแนนบนชีต "
          "คะแนน ก.พ.ร. หัวเดือนบนชีต แผน-ผล และขยายสูตรช่องสีเทาให้ครบทุกแถว; "
          "ไม่แก้ไขข้อมูลที่กรอกไว้ / rewrites the summary, the monthly form and the OPDC card, "
          "relabels the months and refits the computed block; never changes what you typed"),
    ("p", "• ชีต สรุปรายไตรมาส และ แบบรายงานรายเดือน ถูกล็อก (ไม่มีรหัสผ่าน) เพราะสร้างใหม่ทุกครั้ง "
          "ปุ่มและคำสั่ง sso-kpi rebuild ปลดล็อกแล้วล็อกให้เอง; แบบรายงานรายเดือนพิมพ์ได้บน A4 "
          "แนวนอน / both rebuilt sheets are protected without a password; the monthly form "
          "prints on A4 landscape"),
    ("p", "• บันทึกไฟล์ก่อนกดปุ่ม / save the book before pressing the button"),
    ("h2", "5. การส่งผลรายเดือน / sending the month's results"),
    ("p", "• กรอกผลของเดือนให้ครบ แล้วปิด Excel และสั่ง sso-kpi submit <ไฟล์>.xlsm --month <เดือน> "
          "ภายในวันที่ในชีตตั้งค่า (ส่งผลภายในวันที่ ค่าเริ่มต้น 5) ของเดือนถัดไป แล้วส่งไฟล์กลับ "
          "/ type the month, close Excel, run sso-kpi submit BOOK --month M by the deadline "
          "day of the next month, and send the book back"),
    ("p", "• เดือนที่ส่งแล้วแก้ไขไม่ได้ ถ้าต้องแก้ให้สั่ง sso-kpi reopen <ไฟล์>.xlsm --month <เดือน> "
          "--reason <เหตุผล> แก้ แล้ว submit อีกครั้ง / a sent month is locked: reopen it with "
          "the reason, correct it, submit again"),
    ("p", "• ตัวชี้วัดที่ยกเลิก: เลือก ยกเลิกในไตรมาส 1-4 หรือ ยกเลิกแผนงาน ในคอลัมน์ สถานะแผน พร้อมวันที่ "
          "และเหตุผล / a cancelled indicator or project: pick it in the plan status column"),
)  # fmt: skip
