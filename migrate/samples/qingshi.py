"""青石乡: a Hanweb (大汉) JCMS site, UTF-8.

Columns `/col/col<id>/index.html` embed their first page of records as XML in a
`<script type="text/xml">` block; later pages exist only as answers of
`/module/web/jpage/dataproxy.jsp`. Articles `/art/YYYY/M/D/art_<col>_<id>.html`, bodies between
the `ZJEG_RSS.content` markers, attachments through `/module/download/downfile.jsp`.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode

from migrate.samples import assets
from migrate.samples.content import (COUNTY_NOTICE, Town, cn_date, compose, masked, mobile, person,
                                     resident_id)
from migrate.samples.model import (CST, Article, Column, FileAsset, Links, Resource, SampleSite, cst, esc,
                                   file_resource, seeded, site_path)

TOWN = Town(
    name="青石乡", gov="青石乡人民政府", unit="乡", office="青石乡党政综合办公室", finance="青石乡财政所",
    head_title="乡长", secretary_title="乡党委书记", secretary="赵志强", head="黄丽娟",
    deputies=["孙建华", "吴鹏"], villages=["青石村", "岩口村", "竹山村", "白水村", "高坪村", "石桥村"],
    phone="0743-8352216", extra={"address": "云溪县青石乡青石街26号"})
SITE_ID = "4309990015"
ICP = "湘ICP备20001234号-5"
POLICE = "湘公网安备43099902000178号"
ORG_CODE = "006145302"
DIVISION = "430999"
WEBID, UNITID = 87, 31245
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"
LAUNCHED = datetime(2021, 12, 20, 9, 0, tzinfo=CST)

# col id, name, per page, children
COLUMNS = [
    (5541, "青石概况", 15, []),
    (5542, "机构设置", 15, []),
    (5543, "工作动态", 10, []),
    (5544, "通知公告", 15, []),
    (5545, "财政信息", 15, []),
    (5546, "办事指南", 15, []),
    (5547, "乡长信箱", 15, []),
    (5548, "招商引资", 15, []),
    (5550, "政府信息公开", 0, [(5551, "政府信息公开指南"), (5552, "政府信息公开制度"),
                               (5553, "法定主动公开内容"), (5554, "政府信息公开年报")]),
]
XXGK_COLUMNS = {5545, 5551, 5552, 5553, 5554}
# Columns whose first page gives no `<nextgroup>` link: jpage asks for the rest in POST ranges.
POST_COLUMNS = {5544}
SITEMAP_INDEX = "/sitemap_index.xml"          # named only in robots.txt
SITEMAP = "/sitemap/sitemap_1.xml"

PROFILE = [
    [("p", "青石乡地处云溪县北部山区，因境内多青石而得名。东接桃源镇，南邻柳河街道，北与邻县交界，"
           "乡政府驻青石街，距县城26公里。"),
     ("p", "全乡总面积98.7平方公里，辖9个行政村，152个村民小组，总人口1.86万人。"),
     ("p", "全乡耕地面积2.1万亩，林地面积10.3万亩，森林覆盖率72.3%，是全县重要的生态屏障和水源涵养区。")],
    [("p", "青石乡清代属云溪县北乡。1950年建青石乡，1958年并入红旗人民公社，1961年析置青石公社，"
           "1984年改为青石乡，2015年乡镇区划调整时保留建制至今。")],
    [("p", "青石乡立足山区资源优势，形成了油茶、高山蔬菜、中药材三大特色产业。全乡油茶种植面积达3.2万亩，"
           "建成千亩高山蔬菜基地2个，黄精、玉竹等中药材种植面积5000余亩。"),
     ("p", "近年来，青石乡依托青石峡谷、白水瀑布等自然景观，积极发展乡村旅游，"
           "白水村被评为省级乡村旅游重点村。")],
]

ORG_TEXT = [
    [("p", "青石乡人民政府设以下内设机构："),
     ("table", [["机构名称", "主要职责"],
                ["党政综合办公室", "负责乡党委、政府日常事务，文电、会务、机要、档案、督查、政务公开等工作"],
                ["经济发展办公室", "负责农业农村、产业发展、招商引资、交通水利等工作"],
                ["社会事务办公室", "负责民政、社会保障、卫生健康、教育、文化、退役军人事务等工作"],
                ["自然资源和生态环境办公室", "负责国土空间规划实施、耕地保护、林业、生态环境保护等工作"],
                ["财政所", "负责乡级财政收支管理、惠农补贴资金发放、村级财务监管等工作"],
                ["综合行政执法队", "负责依法集中行使有关行政处罚权及相关行政检查、行政强制权"]])],
    [("p", "青石乡便民服务中心位于青石街26号乡政府一楼，设社保医保、民政残联、农业农村、综合受理4个服务窗口。"),
     ("p", "办公时间：周一至周五上午8:30—12:00，下午14:30—17:30。"),
     ("p", f"咨询电话：{TOWN.phone}。")],
]

# col, published, title, spec, options (img, att [(name, disposition)] with disposition gbk|rfc5987,
# generic_title, with_time)
ARTICLES = [
    (5541, "2022-01-04 09:00", "青石乡概况", "profile:0", {}),
    (5541, "2022-01-04 09:05", "历史沿革", "profile:1", {"generic_title": True}),
    (5541, "2022-01-04 09:10", "特色产业", "profile:2", {"generic_title": True}),
    (5542, "2022-01-04 10:00", "青石乡人民政府内设机构及职能", "org:0", {}),
    (5542, "2022-01-04 10:05", "青石乡便民服务中心", "org:1", {"generic_title": True}),
    (5543, "2024-06-18 10:30", "青石乡召开防汛抗旱工作部署会", "news:flood:meeting", {}),
    (5543, "2024-05-13 16:20", "青石乡开展“5·12”防灾减灾日宣传活动", "news:flood:activity", {}),
    (5543, "2024-04-02 11:45", "青石乡全力做好清明节期间森林防灭火工作", "news:forest:progress", {}),
    (5543, "2024-03-19 15:30", "青石乡组织农技人员开展春耕生产指导", "news:spring:activity", {"img": 1}),
    (5543, "2024-01-10 09:50", "青石乡召开2024年安全生产工作会议", "news:safety:meeting", {}),
    (5543, "2023-12-12 14:10", "青石乡开展冬季消防安全大检查", "news:fire:inspection", {}),
    (5543, "2023-11-07 10:05", "青石乡开展反诈宣传进村入户活动", "news:fraud:activity", {"img": 2}),
    (5543, "2023-10-16 17:20", "青石乡推进城乡居民医保征缴工作", "news:medical:progress", {}),
    (5543, "2023-09-20 11:35", "青石乡开展农村饮水安全排查", "news:water:inspection", {}),
    (5543, "2023-08-29 16:40", "青石乡召开乡村振兴工作推进会", "news:revit:meeting", {}),
    (5543, "2023-07-14 15:15", "青石乡开展河道清漂专项行动", "news:river:activity", {"img": 1}),
    (5543, "2023-06-26 10:25", "青石乡开展国际禁毒日宣传活动", "news:antidrug:activity", {}),
    (5543, "2023-05-30 09:35", "青石乡召开农村自建房安全隐患排查整治工作会议", "news:house:meeting", {}),
    (5543, "2023-04-25 14:50", "青石乡开展“八五”普法宣传进村活动", "news:law:activity", {}),
    (5543, "2023-03-08 11:00", "青石乡扎实推进高标准农田建设", "news:farmland:progress", {}),
    (5543, "2023-02-14 16:05", "青石乡召开矛盾纠纷排查化解工作会议", "news:dispute:meeting", {}),
    (5543, "2022-12-06 15:45", "青石乡开展家庭医生签约服务进村活动", "news:health:activity", {"img": 1}),
    (5543, "2022-10-25 10:15", "青石乡推进通组公路硬化建设", "news:road:progress", {}),
    (5543, "2022-08-17 09:30", "青石乡召开防汛救灾工作调度会", "news:flood:meeting", {}),
    (5543, "2022-05-10 14:35", "青石乡开展移风易俗宣传活动", "news:civil:activity", {}),
    (5543, "2022-03-02 11:10", "青石乡开展农村人居环境整治春季攻势", "news:env:progress", {}),
    (5544, "2024-06-03 10:00", "关于做好2024年汛期防汛工作的通知", "notice:flood:通知", {}),
    (5544, "2024-03-26 09:30", "关于清明节期间禁止野外用火的通告", "notice:forest:通告", {}),
    (5544, "2024-01-08 16:00", "青石乡2023年第四季度城乡低保新增对象公示", "publicity:dibao", {}),
    (5544, "2023-12-15 10:20", "关于开展2024年度城乡居民医疗保险集中征缴工作的通知", "notice:medical:通知", {}),
    (5544, "2023-10-10 15:00", "青石乡2023年耕地地力保护补贴发放公示", "publicity:farmland", {}),
    (5544, "2023-09-12 09:40", "关于开展农村自建房安全隐患“回头看”的通知", "notice:house:通知", {}),
    (5544, "2023-06-01 10:10", "关于开展2023年“安全生产月”活动的通知", "notice:safety:通知", {}),
    (5544, "2023-05-15 14:20", "关于做好禁毒宣传月工作的通知", "notice:antidrug:通知", {}),
    (5544, "2023-03-02 11:30", "关于开展2023年春季农村人居环境整治的通知", "notice:env:通知", {}),
    (5544, "2022-12-21 09:15", COUNTY_NOTICE["title"], "county", {}),
    (5544, "2022-11-14 16:30", "关于冬春季节火灾防控的通告", "notice:fire:通告", {}),
    (5544, "2022-09-06 10:45", "关于做好2023年度城乡居民基本养老保险缴费工作的通知", "notice:pension:通知",
     {"att": [("2023年度城乡居民养老保险缴费档次表.docx", "rfc5987")]}),
    (5544, "2022-07-12 15:20", "关于开展电信网络诈骗宣传的通知", "notice:fraud:通知", {}),
    (5544, "2022-05-18 09:55", "关于做好2022年汛期地质灾害防范工作的通知", "notice:flood:通知", {}),
    (5544, "2022-03-21 14:05", "关于开展森林防灭火宣传的通知", "notice:forest:通知", {}),
    (5544, "2022-01-12 10:35", "关于开展矛盾纠纷排查化解专项行动的通知", "notice:dispute:通知", {}),
    (5545, "2024-02-26 10:00", "青石乡人民政府2024年部门预算公开", "finance:预算:2024",
     {"att": [("青石乡2024年部门预算公开表.pdf", "gbk")]}),
    (5545, "2023-09-18 10:00", "青石乡人民政府2022年部门决算公开", "finance:决算:2022",
     {"att": [("青石乡2022年部门决算公开表.pdf", "rfc5987")]}),
    (5545, "2023-02-21 10:00", "青石乡人民政府2023年部门预算公开", "finance:预算:2023",
     {"att": [("青石乡2023年部门预算公开表.xls", "rfc5987")]}),
    (5545, "2022-09-20 10:00", "青石乡人民政府2021年部门决算公开", "finance:决算:2021",
     {"att": [("青石乡2021年部门决算公开表.pdf", "rfc5987")]}),
    (5546, "2022-02-15 09:00", "困难残疾人生活补贴和重度残疾人护理补贴申请办事指南", "guide:disability",
     {"att": [("残疾人两项补贴申请审批表.doc", "rfc5987")]}),
    (5546, "2022-02-15 09:10", "临时救助申请办事指南", "guide:temporary", {"att": [("临时救助申请书.wps", "rfc5987")]}),
    (5546, "2022-02-15 09:20", "高龄津贴申领办事指南", "guide:elderly", {}),
    (5546, "2022-02-15 09:30", "退役军人优待证申领办事指南", "guide:veteran", {}),
    (5547, "2024-04-16 16:00", "关于村道路灯损坏无人维修的回复", "letter:streetlight", {"generic_title": True}),
    (5547, "2023-08-08 11:00", "关于家里自来水经常停水的回复", "letter:water", {"generic_title": True}),
    (5547, "2022-11-22 15:30", "关于组级公路什么时候硬化的回复", "letter:road", {"generic_title": True}),
    (5548, "2023-06-08 10:40", "青石乡举办特色农产品招商推介会", "news:invest:activity", {"img": 1}),
    (5548, "2022-11-02 15:10", "青石乡加快推进油茶产业园项目建设", "news:invest:progress", {}),
    (5551, "2022-01-05 09:00", "青石乡人民政府政府信息公开指南", f"open_guide:{ORG_CODE}", {}),
    (5552, "2022-01-05 09:30", "青石乡人民政府政府信息公开保密审查制度", "rules:保密审查", {}),
    (5552, "2022-01-05 09:40", "青石乡人民政府政府信息发布协调制度", "rules:发布协调", {}),
    (5553, "2023-11-20 10:00", "青石乡2023年脱贫户小额信贷贴息公示", "publicity:loan", {}),
    (5553, "2023-03-10 09:00", "青石乡2023年安全生产工作要点", "plan:safety", {}),
    (5553, "2022-08-03 16:00", "青石乡2022年第二季度临时救助对象公示", "publicity:relief", {}),
    (5554, "2024-01-22 10:00", "青石乡人民政府2023年政府信息公开工作年度报告", "report:2023", {}),
    (5554, "2023-01-19 10:00", "青石乡人民政府2022年政府信息公开工作年度报告", "report:2022", {}),
]


def ajax_params(column_id: int) -> dict[str, str]:
    """The jpage `ajaxParam` of a column: the form fields a dataproxy request carries."""
    return {"col": "1", "appid": "1", "webid": str(WEBID), "path": "/", "columnid": str(column_id),
            "sourceContentType": "1", "unitid": str(UNITID), "webname": TOWN.gov, "permissiontype": "0"}


def dataproxy_path(column_id: int, page: int) -> str:
    """GET form of one dataproxy page, as the list page's `<nextgroup>` writes it."""
    return f"{DATAPROXY}?page={page}&" + urlencode(ajax_params(column_id))


def dataproxy_range_path(column_id: int, start: int, per_page: int) -> str:
    """One POST dataproxy request written as a URL: the range fields and the column's
    `ajaxParam`, the fields jpage posts (the key a crawler records the answer under)."""
    form = {"startrecord": str(start), "endrecord": str(start + per_page - 1), "perpage": str(per_page),
            **ajax_params(column_id)}
    return f"{DATAPROXY}?" + urlencode(form)


def _publicity(kind: str, rng, when: datetime) -> list:
    """公示 tables. The 低保 list has one row that the clerk forgot to mask (a real ID and mobile)."""
    villages = TOWN.villages
    start = when.date()
    end = start + timedelta(days=6)
    if kind == "dibao":
        rows = [["序号", "村（社区）", "户主姓名", "身份证号码", "保障人数", "月保障金额（元）", "联系电话"]]
        for i in range(6):
            name = person(rng)
            birth = date(rng.randint(1948, 1985), rng.randint(1, 12), rng.randint(1, 28))
            number = resident_id(rng, DIVISION, birth)
            phone = mobile(rng)
            if i != 2:
                name, number, phone = masked(name), number[:6] + "********" + number[-4:], phone[:3] + "****" + phone[-4:]
            rows.append([str(i + 1), rng.choice(villages), name, number, str(rng.randint(1, 4)),
                         str(rng.choice([420, 480, 560, 610])), phone])
        intro = (f"根据《社会救助暂行办法》和县民政局有关规定，经本人申请、村级评议、乡人民政府审核，"
                 f"现将{when.year - 1 if when.month < 3 else when.year}年第四季度城乡最低生活保障新增对象予以公示：")
        office = "社会事务办公室"
    elif kind == "farmland":
        rows = [["序号", "村", "户主姓名", "补贴面积（亩）", "补贴金额（元）"]]
        for i in range(8):
            area = rng.randint(12, 95) / 10
            rows.append([str(i + 1), rng.choice(villages), masked(person(rng)), f"{area:.1f}", f"{area * 106.5:.2f}"])
        intro = f"根据县农业农村局、县财政局有关文件要求，现将{when.year}年耕地地力保护补贴发放情况公示如下："
        office = "财政所"
    elif kind == "loan":
        rows = [["序号", "村", "借款人", "贷款金额（万元）", "贴息金额（元）"]]
        for i in range(6):
            amount = rng.choice([3, 4, 5])
            rows.append([str(i + 1), rng.choice(villages), masked(person(rng)), str(amount), f"{amount * 10000 * 0.0345:.2f}"])
        intro = "根据扶贫小额信贷贴息政策，经审核，现将脱贫户小额信贷贴息名单公示如下："
        office = "经济发展办公室"
    else:
        rows = [["序号", "村", "姓名", "救助事由", "救助金额（元）"]]
        for i in range(5):
            rows.append([str(i + 1), rng.choice(villages), masked(person(rng)),
                         rng.choice(["因病", "因灾", "意外事故"]), str(rng.choice([800, 1000, 1500, 2000]))])
        intro = "经本人申请、村级评议、乡人民政府审核审批，现将临时救助对象公示如下："
        office = "社会事务办公室"
    return [("p", intro), ("table", rows),
            ("p", f"公示期为{cn_date(start)}至{cn_date(end)}。公示期间，如有异议，请向青石乡{office}反映。"
                  f"监督电话：{TOWN.phone}。"),
            ("sign", [TOWN.gov, cn_date(start)])]


class Qingshi(SampleSite):
    slug = "qingshi"
    name = "青石乡"
    hosts = ["www.qingshi.yunxi.gov.cn", "qingshi.yunxi.gov.cn"]

    def __init__(self):
        self.downloads: dict[str, FileAsset] = {}
        super().__init__()

    # -------------------------------------------------------------- data

    def _build_columns(self):
        for col_id, name, per_page, children in COLUMNS:
            pager = "group" if children else "post" if col_id in POST_COLUMNS else "jpage"
            top = self.add_column(name, str(col_id), per_page=per_page or 15, pager=pager)
            for child_id, child_name in children:
                self.add_column(child_name, str(child_id), top, per_page=15, pager="jpage")

    def column(self, col_id: int) -> Column | None:
        return self.column_index.get(str(col_id))

    def _build_articles(self):
        rng = seeded(self.slug, "ids")
        next_id = 2891000
        for col_id, when, title, spec, opts in sorted(ARTICLES, key=lambda a: a[1]):
            next_id += rng.randint(40, 900)
            art = Article(self.slug, self.column(col_id), next_id, title, cst(when), spec, options=dict(opts))
            self._describe(art)
            day = art.published
            art.url = self.url(f"/art/{day.year}/{day.month}/{day.day}/art_{col_id}_{art.id}.html")
            self.add_article(art)

    def _describe(self, art: Article):
        art.pubdate_meta = True
        col_id = int(art.column.key)
        if col_id in XXGK_COLUMNS:
            year = art.published.year
            art.index_no = f"{ORG_CODE}/{year}-{self.next_index_number(year):05d}"
            art.org = TOWN.gov
            art.written = art.published.date() - timedelta(days=seeded(self.slug, "w", art.title).randint(0, 4))
            art.show_time = False
        elif col_id == 5544:
            art.org = COUNTY_NOTICE["org"] if art.kind == "county" else TOWN.gov
            art.source = "云溪县人民政府网" if art.kind == "county" else None
            art.doc_no = COUNTY_NOTICE["doc_no"] if art.kind == "county" else None
            art.show_time = False
        elif col_id in (5543, 5548):
            art.source = TOWN.office
        elif col_id == 5546:
            art.source = "青石乡便民服务中心"
            art.show_time = False
        else:
            art.source = TOWN.gov
            art.show_time = False

    def _blocks(self, art: Article) -> list:
        kind, _, arg = art.kind.partition(":")
        rng = seeded(self.slug, art.id)
        if kind == "profile":
            return PROFILE[int(arg)]
        if kind == "org":
            return ORG_TEXT[int(arg)]
        if kind == "county":
            return list(COUNTY_NOTICE["blocks"])
        if kind == "publicity":
            return _publicity(arg, rng, art.published)
        return compose(art.kind, TOWN, rng, title=art.title, published=art.published, written=art.written)

    def _add_files(self, art: Article):
        rng = seeded(self.slug, "files", art.id)
        day = art.published
        for i in range(art.options.get("img", 0)):
            url = self.url(f"/picture/0/{day:%y%m%d%H%M}{rng.randint(10**8, 10**9 - 1)}.jpg")
            self.add_picture(art, url, i, (240, 160))
        for name, disposition in art.options.get("att", []):
            ext = name.rsplit(".", 1)[1]
            stored = hashlib.md5(f"{self.slug}:{art.id}:{name}".encode("utf-8")).hexdigest() + "." + ext
            if disposition == "gbk":
                # What old JSP download servlets send: the GBK bytes of the name, unescaped.
                header = "attachment; filename=" + name.encode("gbk").decode("latin-1")
            else:
                header = f"attachment; filename=\"{stored}\"; filename*=UTF-8''{quote(name)}"
            url = self.url(f"{DOWNFILE}?classid=0&filename={stored}")
            asset = assets.attachment(url, name, art, headers=[("Content-Disposition", header)])
            asset.mime = "application/octet-stream"
            art.attachments.append(asset)
            self.files.append(asset)
            self.downloads[stored] = asset

    def _add_template_files(self):
        self.add_file(assets.image(self.url("/images/qs_logo.png"), "qingshi-logo", LAUNCHED, size=(320, 64), banner=True))
        self.add_file(assets.image(self.url("/images/qs_banner.jpg"), "qingshi-banner", LAUNCHED, size=(480, 120)))
        self.add_file(assets.text_asset(self.url("/css/style.css"), STYLE, LAUNCHED))
        self.add_file(assets.text_asset(self.url("/module/jslib/jpage/jpage.js"), JPAGE_JS, LAUNCHED))
        self.add_file(assets.image(self.url("/images/loading.gif"), "qingshi-loading", LAUNCHED, size=(16, 16), banner=True))
        for name, size in (("qs_focus1", (480, 240)), ("qs_focus2", (480, 240)), ("qs_focus2_2x", (960, 480)),
                           ("qs_focus3", (480, 240))):
            self.add_file(assets.image(self.url(f"/picture/0/{name}.jpg"), f"qingshi-{name}", LAUNCHED, size=size))

    # -------------------------------------------------------------- routing

    def dynamic(self, path: str, params: dict[str, str], form: dict[str, str]) -> Resource | None:
        if path == DATAPROXY:
            return self._dataproxy({**params, **form})
        if path == DOWNFILE:
            asset = self.downloads.get(params.get("filename", ""))
            return file_resource(asset) if asset else None
        return None

    def _dataproxy(self, fields: dict[str, str]) -> Resource:
        column = self.column(int(fields["columnid"])) if fields.get("columnid", "").isdigit() else None
        items = _newest_first(column.articles) if column else []
        per = int(fields["perpage"]) if fields.get("perpage", "").isdigit() else (column.per_page if column else 15)
        per = max(per, 1)
        if fields.get("startrecord", "").isdigit():
            start = max(int(fields["startrecord"]), 1)
            end = int(fields["endrecord"]) if fields.get("endrecord", "").isdigit() else start + per - 1
            page = (start - 1) // per + 1
        else:
            page = int(fields["page"]) if fields.get("page", "").isdigit() else 1
            start, end = (page - 1) * per + 1, page * per
        total_pages = max(-(-len(items) // per), 1)
        links = Links(self.url(DATAPROXY))
        records = "\n".join(f"<record><![CDATA[{_record(links, a)}]]></record>" for a in items[start - 1:end])
        next_group = ""
        # Answers to POST ranges name no next group: the page computes the ranges itself.
        if column is not None and page < total_pages and not fields.get("startrecord"):
            next_group = f'<a href="{links(dataproxy_path(int(column.key), page + 1))}"></a>'
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<nextgroup><![CDATA[{next_group}]]></nextgroup>\n'
               f"<totalrecord>{len(items)}</totalrecord>\n<totalpage>{total_pages}</totalpage>\n"
               f"<recordset>\n{records}\n</recordset>\n</datastore>\n")
        return Resource(xml.encode("utf-8"), "text/xml;charset=UTF-8", "dataproxy", None, links=links.urls)

    # -------------------------------------------------------------- pages

    def _render(self):
        latest = max(a.published for a in self.articles)
        self.add(self.url("/index.html"), self._home(latest))
        for column in self.all_columns():
            url = self.url(f"/col/col{column.key}/index.html")
            if column.pager == "group":
                column.list_urls = [url]
                self.add(url, self._group_page(column, url))
                continue
            pages = len(column.pages())
            col_id, per = int(column.key), column.per_page
            later = [dataproxy_range_path(col_id, (p - 1) * per + 1, per) if column.pager == "post"
                     else dataproxy_path(col_id, p) for p in range(2, pages + 1)]
            column.list_urls = [url] + [self.url(path) for path in later]
            self.add(url, self._list_page(column, url))
        for art in self.articles:
            self.add(art.url, self._article_page(art))
        robots = ROBOTS + f"Sitemap: {self.url(SITEMAP_INDEX)}\n"
        self.add(self.url("/robots.txt"), Resource(robots.encode("ascii"), "text/plain", "robots", LAUNCHED,
                                                   links=[self.url(SITEMAP_INDEX)]))
        self._render_sitemaps(latest)

    def _render_sitemaps(self, latest: datetime):
        """A sitemap index that only robots.txt names, and the one sitemap it lists. The site
        guide (`/wzdh.html`) is listed there and linked from nowhere else."""
        index = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                 f"<sitemap><loc>{self.url(SITEMAP)}</loc><lastmod>{latest:%Y-%m-%d}</lastmod></sitemap>\n</sitemapindex>\n")
        self.add(self.url(SITEMAP_INDEX), Resource(index.encode("utf-8"), "application/xml", "sitemap", latest,
                                                   links=[self.url(SITEMAP)]))
        urls = [self.url("/index.html"), self.url("/wzdh.html")] + [c.list_urls[0] for c in self.all_columns()]
        entries = "".join(f"<url><loc>{u}</loc></url>\n" for u in urls)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + entries + "</urlset>\n")
        self.add(self.url(SITEMAP), Resource(xml.encode("utf-8"), "application/xml", "sitemap", latest, links=urls))
        self.add(self.url("/wzdh.html"), self._guide_page())

    def _guide_page(self) -> Resource:
        """网站导航, saved by an editor that writes a UTF-8 BOM and declares no charset anywhere."""
        links = Links(self.url("/wzdh.html"))
        items = "".join(f'<li><a href="{links(f"/col/col{c.key}/index.html")}">{esc(c.name)}</a></li>'
                        for c in self.columns)
        html = ("<html>\n<head>\n<title>网站导航</title>\n</head>\n<body>\n<h3>网站导航</h3>\n"
                f'<ul class="sitemap">{items}</ul>\n</body>\n</html>\n')
        return Resource(b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html", "tool", LAUNCHED, links=links.urls)

    def _frame(self, links: Links, title: str, body: str, head: str = "") -> str:
        nav = "".join(f'<li><a href="{links(f"/col/col{c.key}/index.html")}">{esc(c.name)}</a></li>' for c in self.columns)
        return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(title)}</title>
<meta name="SiteName" content="{TOWN.gov}">
<meta name="SiteDomain" content="{self.www}">
<meta name="SiteIDCode" content="{SITE_ID}">
{head}<link rel="stylesheet" type="text/css" href="{links('/css/style.css')}" />
<script type="text/javascript" src="{links('/module/jslib/jpage/jpage.js')}"></script>
</head>
<body>
<div class="header"><img src="{links('/images/qs_logo.png')}" alt="青石乡人民政府" /><img src="{links('/images/qs_banner.jpg')}" alt="" /></div>
<div class="nav"><ul><li><a href="{links('/index.html')}">首页</a></li>{nav}</ul></div>
<div class="container">
{body}
</div>
<div class="footer">
<p>主办：青石乡人民政府　承办：青石乡党政综合办公室　地址：{TOWN.extra['address']}　电话：{TOWN.phone}</p>
<p>网站标识码：{SITE_ID}　<a href="https://beian.miit.gov.cn" target="_blank">{ICP}</a>　{POLICE}</p>
<p>友情链接：<a href="http://www.yunxi.gov.cn/" target="_blank">云溪县人民政府</a>　<a href="{links('http://qingshi.yunxi.gov.cn/col/col5544/index.html')}">通知公告（旧域名）</a></p>
</div>
</body>
</html>
"""

    def _crumb(self, links: Links, column: Column) -> str:
        parts = [f'<a href="{links("/index.html")}">首页</a>']
        parts += [f'<a href="{links(f"/col/col{c.key}/index.html")}">{esc(c.name)}</a>' for c in column.chain]
        return '<div class="bt-position">您当前所在位置：' + " » ".join(parts) + "</div>"

    def _home(self, latest: datetime) -> Resource:
        links = Links(self.url("/index.html"))

        def box(col_id: int, count: int) -> str:
            column = self.column(col_id)
            items = _newest_first(column.articles)[:count]
            lis = "".join(f'<li><a href="{links(site_path(a.url))}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
                          f"<span>{a.published:%m-%d}</span></li>" for a in items)
            return (f'<div class="box"><div class="box-t"><span>{esc(column.name)}</span>'
                    f'<a href="{links(f"/col/col{col_id}/index.html")}">更多&gt;&gt;</a></div><ul>{lis}</ul></div>')

        body = self._focus(links) + box(5543, 8) + box(5544, 8) + box(5548, 2) + box(5547, 3) + box(5546, 4)
        html = self._frame(links, "青石乡人民政府", body)
        return Resource(html.encode("utf-8"), "text/html;charset=UTF-8", "home", latest, links=links.urls)

    @staticmethod
    def _focus(links: Links) -> str:
        """The homepage's picture strip, loaded lazily (jQuery lazyload's `data-original`, a
        `data-src`) and in two sizes (`srcset`): the pictures are named nowhere else."""
        loading = links("/images/loading.gif")
        return (f'<div class="focus"><ul>'
                f'<li><img class="lazy" src="{loading}" data-original="{links("/picture/0/qs_focus1.jpg")}" alt="青石乡新貌"></li>'
                f'<li><img src="{links("/picture/0/qs_focus2.jpg")}" '
                f'srcset="{links("/picture/0/qs_focus2.jpg")} 1x, {links("/picture/0/qs_focus2_2x.jpg")} 2x" alt="茶园丰收"></li>'
                f'<li><img class="lazy" src="{loading}" data-src="{links("/picture/0/qs_focus3.jpg")}" alt="乡村振兴"></li>'
                f'</ul></div>')

    def _group_page(self, column: Column, url: str) -> Resource:
        links = Links(url)
        items = "".join(f'<li><a href="{links(f"/col/col{c.key}/index.html")}">{esc(c.name)}</a></li>'
                        for c in column.children)
        body = self._crumb(links, column) + f'<div class="xxgk-menu"><ul>{items}</ul></div>'
        latest = max(a.published for c in column.children for a in c.articles)
        html = self._frame(links, f"{column.name} - 青石乡人民政府", body, f'<meta name="ColumnName" content="{column.name}">\n')
        return Resource(html.encode("utf-8"), "text/html;charset=UTF-8", "group", latest, links=links.urls)

    def _list_page(self, column: Column, url: str) -> Resource:
        links = Links(url)
        col_id = int(column.key)
        first = column.pages()[0]
        records = "\n".join(f"<record><![CDATA[{_record(links, a)}]]></record>" for a in first)
        next_group = ""
        if len(column.list_urls) > 1 and column.pager != "post":
            next_group = f'<a href="{dataproxy_path(col_id, 2)}"></a>'
        for later in column.list_urls[1:]:
            links.implied(later)
        params = ajax_params(col_id)
        ajax = ", ".join(f'{k}: {v}' if v.isdigit() else f'{k}: "{v}"' for k, v in params.items())
        div_id = 2000 + col_id % 1000
        body = (self._crumb(links, column) + f'\n<div class="list-t">{esc(column.name)}</div>\n'
                f'<div id="{div_id}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[{next_group}]]></nextgroup>\n'
                f"<recordset>\n{records}\n</recordset>\n</datastore></script></div>\n"
                '<script type="text/javascript">\n$(document).ready(function(){\n'
                f'  $("#{div_id}").jpage({{\n    dataStore: dataStore,\n    totalRecord: {len(column.articles)},\n'
                f'    perPage: {column.per_page},\n    groupSize: 1,\n    barPosition: "bottom",\n'
                f'    proxyUrl: "{DATAPROXY}",\n    ajaxParam: {{{ajax}}},\n'
                '    dataBefore: "<ul class=\\"list\\">",\n    dataAfter: "</ul>"\n  });\n});\n</script>')
        latest = max((a.published for a in column.articles), default=LAUNCHED)
        head = f'<meta name="ColumnName" content="{column.name}">\n<meta name="ColumnType" content="信息列表">\n'
        html = self._frame(links, f"{column.name} - 青石乡人民政府", body, head)
        return Resource(html.encode("utf-8"), "text/html;charset=UTF-8", "list", latest, links=links.urls)

    def _article_page(self, art: Article) -> Resource:
        links = Links(art.url)
        if art.index_no:
            rows = [("索引号：", art.index_no, "发布机构：", art.org),
                    ("成文日期：", f"{art.written:%Y-%m-%d}", "发布日期：", f"{art.published:%Y-%m-%d}"),
                    ("文号：", art.doc_no or "", "公开方式：", "主动公开")]
            meta = '<table class="xxgk-info">' + "".join(
                f"<tr><th>{a}</th><td>{esc(b)}</td><th>{c}</th><td>{esc(d)}</td></tr>" for a, b, c, d in rows) + "</table>"
            info = ""
        else:
            meta = ""
            when = f"发布时间：{art.published:%Y/%m/%d %H:%M}" if art.show_time else f"发布日期：{art.published:%Y-%m-%d}"
            parts = [when]
            if art.org:
                parts.append(f"发布机构：{esc(art.org)}")
            if art.doc_no:
                parts.append(f"文号：{esc(art.doc_no)}")
            if art.source:
                parts.append(f"来源：{esc(art.source)}")
            parts.append(f'浏览次数：<span id="ReadCount">{seeded(self.slug, "v", art.id).randint(50, 1800)}</span>')
            info = "　　".join(parts)
        files = ""
        if art.attachments:
            files = "".join(f'<p>附件：<a href="{esc(links(site_path(a.url)))}" target="_blank">{esc(a.name)}</a></p>'
                            for a in art.attachments)
        body = (f"{self._crumb(links, art.column)}\n<div class=\"article\">{meta}\n<table width=\"100%\">"
                f'<tr><td class="title" align="center">{esc(art.title)}</td></tr>\n'
                f'<tr><td class="info" align="center">{info}</td></tr>\n'
                f'<tr><td class="tools">【字体：<a href="javascript:setFontSize(18)">大</a> <a href="javascript:setFontSize(16)">中</a> '
                f'<a href="javascript:setFontSize(14)">小</a>】</td></tr>\n'
                f'<tr><td id="zoom" class="content"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
                f"{_blocks_html(links, art)}{files}<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--></td></tr>\n"
                '<tr><td align="center">【<a href="javascript:window.print()">打印本页</a>】'
                '【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table></div>')
        title = "青石乡人民政府" if art.options.get("generic_title") else f"{art.title} - 青石乡人民政府"
        head = (f'<meta name="ColumnName" content="{art.column.name}">\n<meta name="ArticleTitle" content="{esc(art.title)}">\n'
                f'<meta name="PubDate" content="{art.published:%Y-%m-%d %H:%M}">\n'
                f'<meta name="ContentSource" content="{esc(art.source or art.org or "")}">\n')
        html = self._frame(links, title, body, head)
        return Resource(html.encode("utf-8"), "text/html;charset=UTF-8", "article", art.published, links=links.urls)


def _newest_first(articles: list[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


def _record(links: Links, art: Article) -> str:
    return (f'<li><a href="{links(site_path(art.url))}" target="_blank" title="{esc(art.title)}">{esc(art.title)}</a>'
            f"<span>{art.published:%Y-%m-%d}</span></li>")


def _blocks_html(links: Links, art: Article) -> str:
    out = []
    for i, (kind, value) in enumerate(art.blocks):
        if kind == "p":
            out.append(f'<p style="text-indent: 2em; line-height: 1.5em;">{esc(value)}</p>')
        elif kind == "h":
            out.append(f'<p style="text-indent: 2em;"><strong>{esc(value)}</strong></p>')
        elif kind == "center":
            out.append(f'<p style="text-align: center;"><strong>{esc(value)}</strong></p>')
        elif kind == "sign":
            out.append("".join(f'<p style="text-align: right;">{esc(v)}</p>' for v in value))
        elif kind == "table":
            head, *rows = value
            out.append('<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse; width: 100%;">'
                       + "<tr>" + "".join(f"<th>{esc(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
                       + "</table>")
        if i == 0:
            out += [f'<p style="text-align: center;"><img src="{links(site_path(p.url))}" border="0" /></p>' for p in art.images]
    return "\n".join(out)


STYLE = """body{margin:0;font:14px/1.6 "Microsoft YaHei",sans-serif;}
.header{background:#1f5fa8;}.nav ul{margin:0;padding:0;background:#2b73c4;}.nav li{display:inline-block;}
.nav a{color:#fff;padding:0 14px;line-height:40px;}.container{width:1100px;margin:0 auto;}
.bt-position{line-height:36px;border-bottom:1px solid #ddd;}.title{font-size:24px;font-weight:bold;padding:20px 0;}
.xxgk-info{width:100%;border-collapse:collapse;}.xxgk-info th,.xxgk-info td{border:1px solid #ccc;padding:5px;}
.footer{background:#eee;text-align:center;padding:12px 0;}
"""

JPAGE_JS = """/* jpage: renders list records from an embedded datastore and pages through dataproxy.jsp */
(function($){ $.fn.jpage = function(opts){ var el = this; var xml = $(el).find("script[type='text/xml']").text();
  $(el).html(opts.dataBefore + $(xml).find("record").map(function(){ return $(this).text(); }).get().join("") + opts.dataAfter); }; })(jQuery);
function setFontSize(size){ document.getElementById("zoom").style.fontSize = size + "px"; }
"""

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /module/search/
"""
