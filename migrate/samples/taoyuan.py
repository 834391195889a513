"""桃源镇: a TRS WCM site of the 2010s, served as GBK.

Column lists are `/<col>/index.html`, `index_1.html` … with the page count only in an inline
`createPageHTML(...)` call; articles `/<col>/YYYYMM/tYYYYMMDD_<id>.html`; attachments
`./P0YYYYMMDD<12 digits>.<ext>` beside the article; bodies in `div.TRS_Editor`.
"""

from __future__ import annotations

import posixpath
from datetime import date, datetime
from urllib.parse import quote

from migrate.samples import assets
from migrate.samples.content import COUNTY_NOTICE, Town, compose
from migrate.samples.model import CST, Article, Column, Links, Resource, SampleSite, cst, esc, seeded, site_path

TOWN = Town(
    name="桃源镇", gov="桃源镇人民政府", unit="镇", office="桃源镇党政综合办公室", finance="桃源镇财政所",
    head_title="镇长", secretary_title="镇党委书记", secretary="王镕", head="李珺",
    deputies=["陈堃", "周晓东"], villages=["桃花村", "柳溪村", "石门村", "杨家坪村", "大塘村", "桃源社区"],
    phone="0743-8261035", extra={"address": "云溪县桃源镇桃源路18号"})
SITE_ID = "4309990012"
ICP = "湘ICP备20001234号-3"
POLICE = "湘公网安备43099902000145号"
CREDIT_CODE = "11430999MB1C37285T"
LAUNCHED = datetime(2020, 12, 30, 16, 0, tzinfo=CST)
PER_PAGE = 6

# key, name, pager variant, children
COLUMNS = [
    ("xzgk", "乡镇概况", "plain", []),
    ("ldzc", "领导之窗", "plain", []),
    ("zwdt", "镇务动态", "plain", []),
    ("tpxw", "图片新闻", "commented", []),
    ("zwgk", "政务公开", "group", [
        ("zwgk/tzgg", "通知公告", "plain"),
        ("zwgk/zcwj", "政策文件", "six"),
        ("zwgk/czyjs", "财政预决算", "countpage"),
        ("zwgk/xxgknb", "政府信息公开年报", "plain"),
    ]),
    ("bszn", "办事指南", "plain", []),
    ("djgz", "党建工作", "plain", []),
]

PROFILE = [
    [("p", "桃源镇位于云溪县东南部，东与青石乡接壤，西临柳河街道，距县城18公里，国道和县道贯穿全境，"
           "交通便利。全镇总面积126.4平方公里，辖12个行政村、1个社区，总人口3.2万人。"),
     ("p", "全镇森林覆盖率达68.5%，素有“桃花之乡”的美誉。镇内桃溪河自北向南流经7个村，"
           "为农业生产提供了良好的灌溉条件。"),
     ("p", "近年来，桃源镇坚持“生态立镇、产业强镇、旅游兴镇”的发展思路，大力发展黄桃、油茶、"
           "生态养殖等特色产业，乡村旅游蓬勃发展，先后获评“省级生态乡镇”“市级文明乡镇”。")],
    [("p", "桃源镇历史悠久。清代属云溪县桃源里，民国时期设桃源乡。1950年设桃源乡人民政府，1958年改为桃源人民公社，"
           "1984年撤社建乡，1995年撤乡建镇，2015年乡镇区划调整时，原杨家坪乡并入桃源镇。"),
     ("p", "镇名源于境内桃溪河两岸遍植桃树，每逢阳春三月，桃花盛开，宛如世外桃源，故名“桃源”。")],
    [("p", "桃源镇属亚热带季风湿润气候，四季分明，年平均气温16.8℃，年降雨量1450毫米。"),
     ("p", "境内矿产资源有石灰石、页岩等；林业资源以杉木、马尾松、楠竹为主，有林地面积12.6万亩；"
           "水资源丰富，有中小型水库5座、山塘380余口。"),
     ("p", "特色农产品有桃源黄桃、高山茶叶、土鸡、茶油等，其中桃源黄桃获国家农产品地理标志认证。")],
]

LEADERS = [
    ("王镕", "镇党委书记", "主持镇党委全面工作。"),
    ("李珺", "镇党委副书记、镇长", "主持镇人民政府全面工作，负责财政、审计、招商引资工作。"),
    ("陈堃", "镇党委委员、副镇长", "负责农业农村、林业、水利、乡村振兴、防汛抗旱工作。"),
    ("周晓东", "镇党委委员、副镇长", "负责安全生产、应急管理、交通运输、自然资源和生态环境工作。"),
]

# column, published, title, spec, options
# options: img (pictures in the body), att [(name, how)] with how in trs|gbk|utf8, doc_no,
# written (成文日期), url_date (date in the URL when it differs), generic_title, split, bare_link
ARTICLES = [
    ("xzgk", "2021-03-02 10:00", "桃源镇简介", "profile:0", {"generic_title": True}),
    ("xzgk", "2021-03-02 10:05", "历史沿革", "profile:1", {"generic_title": True}),
    ("xzgk", "2021-03-02 10:10", "自然资源", "profile:2", {"generic_title": True}),
    ("ldzc", "2021-06-18 09:00", "王镕", "leader:0", {"img": 1}),
    ("ldzc", "2021-06-18 09:02", "李珺", "leader:1", {"img": 1}),
    ("ldzc", "2021-06-18 09:04", "陈堃", "leader:2", {"img": 1}),
    ("ldzc", "2021-06-18 09:06", "周晓东", "leader:3", {"img": 1}),
    ("zwdt", "2023-11-28 09:30", "桃源镇召开冬春火灾防控工作会议", "news:fire:meeting", {}),
    ("zwdt", "2023-10-17 15:20", "桃源镇开展反电信网络诈骗宣传进村入户活动", "news:fraud:activity", {}),
    ("zwdt", "2023-09-05 16:45", "桃源镇督导检查农村自建房安全隐患排查整治工作", "news:house:inspection", {}),
    ("zwdt", "2023-07-12 11:10", "桃源镇全力做好防汛抗旱工作", "news:flood:progress", {}),
    ("zwdt", "2023-06-26 17:05", "桃源镇开展“6·26”国际禁毒日宣传活动", "news:antidrug:activity", {"img": 1}),
    ("zwdt", "2023-05-18 10:25", "桃源镇扎实推进高标准农田建设", "news:farmland:progress", {}),
    ("zwdt", "2023-04-03 09:15", "桃源镇召开2023年森林防灭火工作部署会", "news:forest:meeting", {}),
    ("zwdt", "2023-03-06 14:40", "桃源镇组织开展春耕生产技术指导", "news:spring:activity", {}),
    ("zwdt", "2022-12-28 08:55", "桃源镇2022年第四季度安全生产例会（2022年12月26日）", "news:safety:meeting", {}),
    ("zwdt", "2022-10-20 16:30", "桃源镇推进城乡居民医保集中征缴工作", "news:medical:progress", {}),
    ("zwdt", "2022-08-09 10:50", "桃源镇开展河长制巡河督查", "news:river:inspection", {"bare_link": True}),
    ("zwdt", "2022-05-24 15:35", "桃源镇召开农村人居环境整治推进会", "news:env:meeting", {}),
    ("zwdt", "2022-03-15 09:40", "桃源镇开展“3·15”普法宣传活动", "news:law:activity", {}),
    ("zwdt", "2021-11-10 11:20", "桃源镇扎实推进乡村振兴各项工作", "news:revit:progress", {}),
    ("tpxw", "2023-10-23 16:10", "桃源镇卫生院开展重阳节老年人免费体检活动", "news:health:activity", {"img": 2}),
    ("tpxw", "2023-08-01 10:30", "桃源镇走访慰问退役军人和优抚对象", "news:veteran:activity", {"img": 2}),
    ("tpxw", "2023-06-10 15:00", "桃源镇举行防汛应急演练", "news:flood:activity", {"img": 1}),
    ("tpxw", "2023-03-14 09:20", "桃源镇开展人居环境整治“清洁家园”志愿服务活动", "news:env:activity", {"img": 2}),
    ("tpxw", "2022-11-09 14:15", "桃源镇开展消防安全宣传月活动", "news:fire:activity", {"img": 1}),
    ("tpxw", "2022-04-20 11:05", "桃源镇督导检查高标准农田建设项目", "news:farmland:inspection", {"img": 1}),
    ("tpxw", "2021-09-22 17:30", "桃源镇庆祝2021年中国农民丰收节", "news:revit:activity", {"img": 2}),
    ("zwgk/tzgg", "2023-12-08 10:00", "关于开展2024年度城乡居民医疗保险集中征缴工作的通知", "notice:medical:通知",
     {"att": [("2024年度城乡居民医保参保缴费明白卡.docx", "utf8")]}),
    ("zwgk/tzgg", "2023-09-18 09:00", "关于国庆节期间禁止野外用火的通告", "notice:forest:通告", {}),
    ("zwgk/tzgg", "2023-06-02 16:00", "关于做好2023年汛期地质灾害防范工作的通知", "notice:flood:通知",
     {"att": [("桃源镇地质灾害隐患点群测群防责任表.xls", "trs")]}),
    ("zwgk/tzgg", "2023-03-20 11:00", "关于进一步加强清明节期间森林防灭火工作的通告", "notice:forest:通告", {}),
    ("zwgk/tzgg", "2022-12-20 15:30", COUNTY_NOTICE["title"], "county", {}),
    ("zwgk/tzgg", "2022-10-08 10:20", "关于开展农村自建房安全隐患排查整治的通知", "notice:house:通知", {}),
    ("zwgk/tzgg", "2022-06-01 09:10", "关于开展2022年“安全生产月”活动的通知", "notice:safety:通知", {}),
    ("zwgk/tzgg", "2021-12-03 14:00", "关于做好2022年度城乡居民基本养老保险缴费工作的通知", "notice:pension:通知",
     {"att": [("城乡居民基本养老保险参保登记表.doc", "trs")]}),
    ("zwgk/zcwj", "2023-11-02 10:00", "桃源镇人民政府关于印发《桃源镇冬春火灾防控工作方案》的通知", "policy:fire",
     {"doc_no": "桃政发〔2023〕21号", "written": "2023-10-27"}),
    ("zwgk/zcwj", "2023-07-03 10:21", "桃源镇人民政府关于印发《桃源镇2023年防汛抗旱应急预案》的通知", "policy:flood",
     {"doc_no": "桃政发〔2023〕12号", "written": "2023-06-26", "url_date": "2023-06-28",
      "att": [("桃源镇2023年防汛抗旱应急预案.pdf", "trs")]}),
    ("zwgk/zcwj", "2023-03-15 09:30",
     "桃源镇人民政府关于印发《桃源镇农村人居环境整治提升三年行动实施方案（2023—2025年）》的通知", "policy:env",
     {"doc_no": "桃政发〔2023〕5号", "written": "2023-03-10", "split": True}),
    ("zwgk/zcwj", "2022-09-20 15:00", "桃源镇人民政府关于印发《桃源镇农村自建房安全专项整治工作方案》的通知",
     "policy:house", {"doc_no": "桃政发〔2022〕18号", "written": "2022-09-14"}),
    ("zwgk/zcwj", "2022-04-11 10:40", "桃源镇人民政府关于印发《桃源镇安全生产专项整治三年行动实施方案》的通知",
     "policy:safety", {"doc_no": "桃政发〔2022〕7号", "written": "2022-04-02",
                       "att": [("桃源镇安全生产专项整治三年行动任务分解表.xlsx", "trs")]}),
    ("zwgk/zcwj", "2021-12-15 16:20", "桃源镇人民政府办公室关于印发《桃源镇矛盾纠纷排查化解工作制度》的通知",
     "policy:dispute", {"doc_no": "桃政办发〔2021〕9号", "written": "2021-12-10"}),
    ("zwgk/zcwj", "2021-06-03 11:00", "桃源镇人民政府关于印发《桃源镇河长制工作实施方案》的通知", "policy:river",
     {"doc_no": "桃政发〔2021〕11号", "written": "2021-05-28"}),
    ("zwgk/czyjs", "2023-09-08 10:00", "桃源镇人民政府2022年部门决算公开", "finance:决算:2022",
     {"att": [("桃源镇人民政府2022年部门决算公开表.pdf", "trs"), ("桃源镇2022年部门决算说明.xlsx", "trs")]}),
    ("zwgk/czyjs", "2023-03-01 09:00", "桃源镇2023年“三公”经费预算公开", "finance:三公:2023",
     {"att": [("桃源镇2023年三公经费预算表.xls", "trs")]}),
    ("zwgk/czyjs", "2023-02-20 15:30", "桃源镇人民政府2023年部门预算公开", "finance:预算:2023",
     {"att": [("桃源镇2023年部门预算公开表.xls", "gbk"), ("桃源镇人民政府2023年部门预算说明.pdf", "trs")]}),
    ("zwgk/czyjs", "2022-09-05 10:10", "桃源镇人民政府2021年部门决算公开", "finance:决算:2021",
     {"att": [("桃源镇人民政府2021年部门决算公开表.pdf", "trs")]}),
    ("zwgk/czyjs", "2022-02-18 16:00", "桃源镇人民政府2022年部门预算公开", "finance:预算:2022",
     {"att": [("桃源镇2022年部门预算公开表.xls", "trs"), ("桃源镇2022年部门预算说明.pdf", "trs")]}),
    ("zwgk/czyjs", "2021-09-10 09:30", "桃源镇人民政府2020年部门决算公开", "finance:决算:2020",
     {"att": [("桃源镇人民政府2020年部门决算公开表.pdf", "trs")]}),
    ("zwgk/czyjs", "2021-02-25 10:00", "桃源镇人民政府2021年部门预算公开", "finance:预算:2021",
     {"att": [("桃源镇2021年部门预算公开表.xls", "trs")]}),
    ("zwgk/xxgknb", "2023-01-20 10:00", "桃源镇人民政府2022年政府信息公开工作年度报告", "report:2022",
     {"att": [("桃源镇人民政府2022年政府信息公开工作年度报告.wps", "trs")]}),
    ("zwgk/xxgknb", "2022-01-25 10:00", "桃源镇人民政府2021年政府信息公开工作年度报告", "report:2021", {}),
    ("zwgk/xxgknb", "2021-01-28 10:00", "桃源镇人民政府2020年政府信息公开工作年度报告", "report:2020",
     {"att": [("桃源镇2020年政府信息公开工作年度报告及统计表.zip", "trs")]}),
    ("bszn", "2021-05-10 09:00", "城乡居民基本养老保险参保登记办事指南", "guide:pension",
     {"att": [("城乡居民基本养老保险参保登记表.doc", "trs")], "generic_title": True}),
    ("bszn", "2021-05-10 09:10", "最低生活保障申请办事指南", "guide:dibao", {"att": [("最低生活保障申请书.doc", "trs")]}),
    ("bszn", "2021-05-10 09:20", "农村村民住宅用地审批办事指南", "guide:house", {}),
    ("bszn", "2021-05-10 09:30", "生育登记服务办事指南", "guide:birth", {}),
    ("djgz", "2023-04-20 15:00", "镇党委理论学习中心组开展专题学习", "party:study", {}),
    ("djgz", "2022-12-12 09:00", "桃源镇启动2022年度党员冬训工作", "party:winter", {}),
    ("djgz", "2022-07-01 10:00", "桃源镇庆祝中国共产党成立101周年", "party:july1", {}),
]


def relhref(page_path: str, target: str) -> str:
    """TRS-style relative link from the page at `page_path` to the site path `target`."""
    is_dir = target.endswith("/")
    rel = posixpath.relpath(target.rstrip("/") or "/", posixpath.dirname(page_path))
    if rel == ".":
        rel = "./" if is_dir else rel
    elif is_dir:
        rel += "/"
    return rel if rel.startswith(".") else "./" + rel


class Taoyuan(SampleSite):
    slug = "taoyuan"
    name = "桃源镇"
    hosts = ["www.taoyuan.yunxi.gov.cn", "taoyuan.yunxi.gov.cn"]

    # -------------------------------------------------------------- data

    def _build_columns(self):
        for key, name, pager, children in COLUMNS:
            top = self.add_column(name, key, per_page=PER_PAGE, pager=pager)
            for child_key, child_name, child_pager in children:
                self.add_column(child_name, child_key, top, per_page=PER_PAGE, pager=child_pager)

    def _build_articles(self):
        rng = seeded(self.slug, "ids")
        next_id = 1083000
        for key, when, title, spec, opts in sorted(ARTICLES, key=lambda a: a[1]):
            next_id += rng.randint(11, 97)
            art = Article(self.slug, self.column_index[key], next_id, title, cst(when), spec, options=dict(opts))
            self._describe(art)
            url_day = date.fromisoformat(opts["url_date"]) if "url_date" in opts else art.published.date()
            base = f"/{key}/{url_day:%Y%m}/t{url_day:%Y%m%d}_{art.id}"
            art.url = self.url(base + ".html")
            if opts.get("split"):
                art.more_urls = [self.url(base + "_1.html")]
            self.add_article(art)

    def _describe(self, art: Article):
        """The metadata a page shows, by column: 政务公开 pages carry the 信息公开 table."""
        opts = art.options
        art.pubdate_meta = not opts.get("generic_title")
        if art.column.parent is not None:           # 政务公开 > …
            year = art.published.year
            art.index_no = f"{CREDIT_CODE}/{year}-{self.next_index_number(year):05d}"
            art.org = COUNTY_NOTICE["org"] if art.kind == "county" else TOWN.gov
            art.source = "云溪县人民政府网" if art.kind == "county" else None
            art.doc_no = COUNTY_NOTICE["doc_no"] if art.kind == "county" else opts.get("doc_no")
            written = COUNTY_NOTICE["written"] if art.kind == "county" else opts.get("written")
            art.written = date.fromisoformat(written) if isinstance(written, str) else (written or art.published.date())
            art.show_time = False
        elif art.column.key in ("zwdt", "tpxw"):
            art.source = TOWN.office
        elif art.column.key == "djgz":
            art.source = "中共桃源镇委员会"
        else:
            art.source = TOWN.gov
            art.show_time = False

    def _blocks(self, art: Article) -> list:
        kind, _, arg = art.kind.partition(":")
        if kind == "profile":
            return PROFILE[int(arg)]
        if kind == "leader":
            name, post, duty = LEADERS[int(arg)]
            return [("p", f"姓名：{name}"), ("p", f"职务：{post}"), ("p", f"工作分工：{duty}")]
        if kind == "county":
            return list(COUNTY_NOTICE["blocks"])
        rng = seeded(self.slug, art.id)
        issuer = "桃源镇人民政府办公室" if "办公室关于" in art.title else TOWN.gov
        return compose(art.kind, TOWN, rng, title=art.title, published=art.published,
                       written=art.written, issuer=issuer)

    def _add_files(self, art: Article):
        rng = seeded(self.slug, "files", art.id)
        day = art.published
        folder = site_path(art.url).rsplit("/", 1)[0]
        for i in range(art.options.get("img", 0)):
            name = f"W0{day:%Y%m%d}{rng.randint(10**11, 10**12 - 1)}.jpg"
            self.add_picture(art, self.url(f"{folder}/{name}"), i,
                             (120, 160) if art.kind.startswith("leader") else (240, 160))
        for name, how in art.options.get("att", []):
            ext = name.rsplit(".", 1)[1]
            if how == "trs":
                path = f"{folder}/P0{day:%Y%m%d}{rng.randint(10**11, 10**12 - 1)}.{ext}"
            else:
                path = f"{folder}/{quote(name, encoding='gbk' if how == 'gbk' else 'utf-8')}"
            asset = assets.attachment(self.url(path), name, art)
            art.attachments.append(asset)
            self.add_file(asset)

    def _add_template_files(self):
        self.add_file(assets.image(self.url("/images/logo.gif"), "taoyuan-logo", LAUNCHED, size=(300, 60), banner=True))
        self.add_file(assets.image(self.url("/images/banner.jpg"), "taoyuan-banner", LAUNCHED, size=(480, 96)))
        self.add_file(assets.image(self.url("/images/dzjg.png"), "dzjg", LAUNCHED, size=(48, 56), banner=True))
        self.add_file(assets.text_asset(self.url("/images/style.css"), STYLE, LAUNCHED))
        common_js = assets.text_asset(self.url("/js/common.js"), COMMON_JS, LAUNCHED)
        common_js.links = [self.url(picture) for picture in COMMON_JS_PICTURES]
        self.add_file(common_js)
        for picture in COMMON_JS_PICTURES:
            self.add_file(assets.image(self.url(picture), "taoyuan-float", LAUNCHED, size=(120, 80)))
        for i, picture in enumerate(FOCUS_PICTURES):
            self.add_file(assets.image(self.url(picture), f"taoyuan-focus-{i}", LAUNCHED, size=(480, 200)))

    # -------------------------------------------------------------- pages

    def _render(self):
        latest = max(a.published for a in self.articles)
        for url in (self.url("/index.html"),):
            self.add(url, self._home(url, latest))
        for column in self.all_columns():
            if column.pager == "group":
                url = self.url(f"/{column.key}/index.html")
                column.list_urls = [url]
                self.add(url, self._group_page(column, url))
                continue
            pages = column.pages()
            column.list_urls = [self.url(f"/{column.key}/index{'' if i == 0 else f'_{i}'}.html")
                                for i in range(len(pages))]
            for i, items in enumerate(pages):
                self.add(column.list_urls[i], self._list_page(column, i, items))
        for column in self.all_columns():
            ordered = sorted(column.articles, key=lambda a: (a.published, a.id), reverse=True)
            for i, art in enumerate(ordered):
                newer = ordered[i - 1] if i > 0 else None
                older = ordered[i + 1] if i + 1 < len(ordered) else None
                pages = [art.url, *art.more_urls]
                for n, url in enumerate(pages):
                    self.add(url, self._article_page(art, n, len(pages), newer, older))
        self.add(self.url("/robots.txt"), Resource(ROBOTS.encode("ascii"), "text/plain", "robots", LAUNCHED,
                                                   links=[self.url("/sitemap.xml")]))
        self.add(self.url("/sitemap.xml"), self._sitemap(latest))
        self.add(self.url("/wzdt.html"), self._site_map_page())
        self.add(self.url("/admin/index.html"), Resource(ADMIN.encode("gbk"), "text/html", "admin", LAUNCHED))

    def _frame(self, links: Links, path: str, title: str, body: str, head: str = "",
               meta_charset: bool = False) -> str:
        r = lambda target: links(relhref(path, target))  # noqa: E731
        nav = "".join(f'<a href="{r("/" + c.key + "/")}">{esc(c.name)}</a>' for c in self.columns)
        charset = ('<meta charset="gb2312">' if meta_charset else
                   '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />')
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset}
<title>{esc(title)}</title>
{head}<link href="{r('/images/style.css')}" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="{r('/js/common.js')}"></script>
</head>
<body>
<div class="top"><img src="{r('/images/logo.gif')}" alt="桃源镇人民政府" width="300" height="60" /><img src="{r('/images/banner.jpg')}" width="480" height="96" alt="" /></div>
<div class="nav"><a href="{r('/index.html')}">网站首页</a>{nav}</div>
<div class="main">
{body}
</div>
<div class="footer">
<p>友情链接：<a href="http://www.yunxi.gov.cn/" target="_blank">云溪县人民政府</a> | <a href="http://www.qingshi.yunxi.gov.cn/" target="_blank">青石乡人民政府</a> | <a href="http://www.liuhe.yunxi.gov.cn/" target="_blank">柳河街道办事处</a></p>
<p>主办单位：桃源镇人民政府　承办单位：桃源镇党政综合办公室　地址：云溪县桃源镇桃源路18号　联系电话：{TOWN.phone}</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank">{ICP}</a>　{POLICE}　网站标识码：{SITE_ID}　<img src="{r('/images/dzjg.png')}" alt="党政机关" width="48" height="56" /></p>
</div>
</body>
</html>
"""

    def _head_meta(self, column: Column | None, art: Article | None) -> str:
        metas = [("SiteName", TOWN.gov), ("SiteDomain", self.www), ("SiteIDCode", SITE_ID)]
        if column is not None:
            metas.append(("ColumnName", column.name))
        if art is not None:
            metas += [("ArticleTitle", art.title), ("PubDate", f"{art.published:%Y-%m-%d %H:%M}"),
                      ("ContentSource", art.source or art.org or "")]
        return "".join(f'<meta name="{k}" content="{esc(v)}" />\n' for k, v in metas)

    def _crumb(self, links: Links, path: str, column: Column, link_last: bool) -> str:
        parts = [f'<a href="{links(relhref(path, "/index.html"))}" class="CurrChnlCls">首页</a>']
        for c in column.chain:
            if c is column and not link_last:
                parts.append(esc(c.name))
            else:
                parts.append(f'<a href="{links(relhref(path, f"/{c.key}/index.html"))}" class="CurrChnlCls">{esc(c.name)}</a>')
        return '<div class="position">当前位置：' + "&nbsp;&gt;&nbsp;".join(parts) + "</div>"

    def _encode(self, text: str) -> bytes:
        return text.encode("gbk")

    @staticmethod
    def _focus_script(links: Links) -> str:
        """An old focus-picture script: its pictures are named only in the script, and the
        pieces it glues together (`"/images/focus/" + w + ".jpg"`) are no address at all."""
        for picture in FOCUS_PICTURES:
            links.implied(picture)
        pics = "".join(f'pics[{i}] = "{picture}"; texts[{i}] = "{text}";\n'
                       for i, (picture, text) in enumerate(zip(FOCUS_PICTURES, ("春季植树", "清明祭扫"))))
        return ('<div id="focus"></div>\n<script type="text/javascript">\n'
                'var focus_width = 480, pics = new Array(), texts = new Array();\n' + pics
                + 'var swf = "/images/focus/" + "pixviewer.swf";\n'
                'var fallback = "/images/focus/" + focus_width + ".jpg";\n'
                "document.getElementById(\"focus\").innerHTML = '<img src=\"' + pics[0] + '\" alt=\"' + texts[0] + '\">';\n"
                '</script>\n')

    def _home(self, url: str, latest: datetime) -> Resource:
        path = "/index.html"
        links = Links(url)
        r = lambda target: links(relhref(path, target))  # noqa: E731

        def box(key: str, count: int) -> str:
            column = self.column_index[key]
            items = column.pages()[0][:count]
            lis = "".join(f'<li><a href="{r(site_path(a.url))}" target="_blank" title="{esc(a.title)}">{esc(_short(a.title, 24))}</a>'
                          f'<span>{a.published:%m-%d}</span></li>\n' for a in items)
            return (f'<div class="box"><h3>{esc(column.name)}<a href="{r("/" + key + "/index.html")}" class="more">更多&gt;&gt;</a>'
                    f'</h3><ul>\n{lis}</ul></div>')

        pictures = self.column_index["tpxw"].pages()[0][:3]
        slides = "".join(f'<li><a href="{r(site_path(a.url))}" target="_blank"><img src="{r(site_path(a.images[0].url))}" '
                         f'width="240" height="160" alt="{esc(a.title)}" /></a><p>{esc(_short(a.title, 16))}</p></li>'
                         for a in pictures)
        body = (f'<div class="pic"><ul>{slides}</ul></div>\n' + self._focus_script(links) + box("zwdt", 7) + box("zwgk/tzgg", 7)
                + box("zwgk/zcwj", 5) + box("bszn", 4)
                + f'<div class="alias">本站另一域名：<a href="{links("http://taoyuan.yunxi.gov.cn/index.html")}">taoyuan.yunxi.gov.cn</a>'
                + f'　<a href="{links("/admin/index.html")}">管理登录</a></div>')
        page = self._frame(links, path, "桃源镇人民政府", body, self._head_meta(None, None))
        return Resource(self._encode(page), "text/html", "home", latest, links=links.urls)

    def _group_page(self, column: Column, url: str) -> Resource:
        path = site_path(url)
        links = Links(url)
        r = lambda target: links(relhref(path, target))  # noqa: E731
        boxes = []
        for child in column.children:
            items = child.pages()[0][:5]
            lis = "".join(f'<li><a href="{r(site_path(a.url))}" target="_blank">{esc(_short(a.title, 26))}</a>'
                          f'<span>{a.published:%Y-%m-%d}</span></li>' for a in items)
            boxes.append(f'<div class="box"><h3>{esc(child.name)}<a href="{r("/" + child.key + "/")}" class="more">'
                         f'更多</a></h3><ul>{lis}</ul></div>')
        body = self._crumb(links, path, column, False) + "\n" + "\n".join(boxes)
        latest = max(a.published for c in column.children for a in c.articles)
        page = self._frame(links, path, f"{column.name}_桃源镇人民政府", body, self._head_meta(column, None))
        return Resource(self._encode(page), "text/html", "group", latest, links=links.urls)

    def _list_page(self, column: Column, index: int, items: list[Article]) -> Resource:
        url = column.list_urls[index]
        path = site_path(url)
        links = Links(url)
        r = lambda target: links(relhref(path, target))  # noqa: E731
        rows = []
        for a in items:
            thumb = ""
            if column.key == "tpxw" and a.images:
                thumb = f'<a href="{r(site_path(a.url))}" target="_blank"><img src="{r(site_path(a.images[0].url))}" width="120" height="80" /></a>'
            rows.append(f'<li>{thumb}<span class="date">{a.published:%Y-%m-%d}</span>'
                        f'<a href="{r(site_path(a.url))}" target="_blank" title="{esc(a.title)}">{esc(_short(a.title, 30))}</a></li>')
        for other in column.list_urls:
            if other != url:
                links.implied(other)
        body = (self._crumb(links, path, column, False) + f'\n<div class="list_title">{esc(column.name)}</div>\n'
                + '<ul class="list">\n' + "\n".join(rows) + "\n</ul>\n"
                + f'<div class="page" id="page_div">{self._pager(column, index)}</div>')
        latest = max((a.published for a in column.articles), default=LAUNCHED)
        meta_charset = column.key.startswith("zwgk")
        page = self._frame(links, path, f"{column.name}_桃源镇人民政府", body, self._head_meta(column, None),
                           meta_charset=meta_charset)
        return Resource(self._encode(page), "text/html", "list", latest, links=links.urls)

    def _pager(self, column: Column, index: int) -> str:
        count = len(column.list_urls)
        if column.pager == "six":
            call = f'createPageHTML("page_div", {count}, {index + 1}, "index", "html", {len(column.articles)});'
            return "<script type=\"text/javascript\">\n" + PAGER_SIX + call + "\n</script>"
        if column.pager == "countpage":
            call = (f"var countPage = {count}//共多少页\nvar currentPage = {index}//当前页\n"
                    'createPageHTML(countPage, currentPage, "index", "html");')
        elif column.pager == "commented" and index == 0:
            call = ('//createPageHTML(1, 0, "index", "html");\n'
                    f'createPageHTML({count}, {index}, "index", "html");')
        else:
            call = f'createPageHTML({count}, {index}, "index", "html");'
        return "<script type=\"text/javascript\">\n" + PAGER + call + "\n</script>"

    def _article_page(self, art: Article, page_no: int, pages: int, newer: Article | None,
                      older: Article | None) -> Resource:
        url = ([art.url] + art.more_urls)[page_no]
        path = site_path(url)
        links = Links(url)
        r = lambda target: links(relhref(path, target))  # noqa: E731
        blocks = art.blocks
        if pages > 1:
            half = len(blocks) // 2
            blocks = blocks[:half] if page_no == 0 else blocks[half:]
        body_html = _blocks_html(blocks, art, r if page_no == 0 else None)
        if art.options.get("bare_link"):
            body_html += (f'<p style="text-indent: 2em">相关通知见<a href="{links("http://taoyuan.yunxi.gov.cn/zwgk/tzgg/index.html")}">'
                          '通知公告</a>栏目。</p>')
        meta = ""
        if art.index_no:
            meta = self._xxgk_table(art)
            info = ""
        elif art.show_time:
            seconds = seeded(self.slug, "sec", art.id).randint(0, 59)
            info = (f'发布时间：{art.published:%Y-%m-%d %H:%M}:{seconds:02d}&nbsp;&nbsp;来源：{esc(art.source)}'
                    f'&nbsp;&nbsp;浏览次数：{seeded(self.slug, "views", art.id).randint(90, 2600)}')
        else:
            info = f'日期：{art.published:%Y-%m-%d}&nbsp;&nbsp;来源：{esc(art.source)}'
        tools = ('字体：[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> '
                 '<a href="javascript:doZoom(12)">小</a>]&nbsp;&nbsp;<a href="javascript:window.print()">【打印本页】</a>'
                 '&nbsp;<a href="javascript:window.close()">【关闭窗口】</a>')
        files = ""
        if art.attachments and page_no == 0:
            files = '<div class="fujian">附件：<br />' + "".join(
                f'{i + 1}.<a href="{r(site_path(a.url))}" target="_blank">{esc(a.name)}</a><br />'
                for i, a in enumerate(art.attachments)) + "</div>"
        pager = ""
        if pages > 1:
            nums = " ".join(f'<a href="{r(site_path(u))}">{n + 1}</a>' if n != page_no else f"<span>{n + 1}</span>"
                            for n, u in enumerate([art.url] + art.more_urls))
            pager = f'<div class="page">{nums}</div>'

        def neighbour(label: str, other: Article | None) -> str:
            if other is None:
                return f"<p>{label}：没有了</p>"
            return f'<p>{label}：<a href="{r(site_path(other.url))}">{esc(other.title)}</a></p>'

        body = (f"{self._crumb(links, path, art.column, True)}\n<div class=\"article\">\n{meta}"
                f'<h1 class="title">{esc(art.title)}</h1>\n<div class="info">{info}</div>\n'
                f'<div class="tools">{tools}</div>\n'
                f'<div class="TRS_Editor"><style type="text/css">.TRS_Editor P{{margin-top:0;margin-bottom:12px;'
                f'line-height:1.8;font-family:宋体;font-size:12pt;}}</style><div class="Custom_UnionStyle">\n{body_html}'
                f"</div></div>\n{pager}{files}\n<div class=\"sxp\">{neighbour('上一篇', newer)}{neighbour('下一篇', older)}</div>\n</div>")
        generic = art.options.get("generic_title")
        title = "桃源镇人民政府" if generic else f"{art.title}_{art.column.name}_桃源镇人民政府"
        head = "" if generic else self._head_meta(art.column, art)
        page = self._frame(links, path, title, body, head)
        content_type = "text/html; charset=UTF-8" if art.id % 3 == 0 else "text/html"
        kind = "article" if page_no == 0 else "article-page"
        return Resource(self._encode(page), content_type, kind, art.published, links=links.urls)

    def _xxgk_table(self, art: Article) -> str:
        label = "发文机关" if art.column.key == "zwgk/zcwj" else "发布机构"
        topic = {"zwgk/tzgg": "综合政务/通知公告", "zwgk/zcwj": "综合政务/其他", "zwgk/czyjs": "财政、金融、审计/财政",
                 "zwgk/xxgknb": "综合政务/政务公开"}[art.column.key]
        written = art.written or art.published.date()
        rows = [("索&nbsp;引&nbsp;号：", esc(art.index_no), "主题分类：", topic),
                (f"{label}：", esc(art.org), "成文日期：", f"{written.year}年{written:%m}月{written:%d}日"),
                ("文&nbsp;&nbsp;&nbsp;&nbsp;号：", esc(art.doc_no or ""), "发布日期：", f"{art.published:%Y-%m-%d}")]
        cells = "".join(f"<tr><td class=\"t\">{a}</td><td>{b}</td><td class=\"t\">{c}</td><td>{d}</td></tr>"
                        for a, b, c, d in rows)
        extra = f'<tr><td class="t">来&nbsp;&nbsp;&nbsp;&nbsp;源：</td><td colspan="3">{esc(art.source)}</td></tr>' if art.source else ""
        return (f'<table class="xxgk_table" width="100%" cellspacing="0" cellpadding="0">{cells}'
                f'<tr><td class="t">名&nbsp;&nbsp;&nbsp;&nbsp;称：</td><td colspan="3">{esc(art.title)}</td></tr>{extra}</table>\n')

    def _sitemap(self, latest: datetime) -> Resource:
        urls = [(self.start_url, latest)]
        urls += [(c.list_urls[0], latest) for c in self.all_columns()]
        urls += [(a.url, a.published) for a in sorted(self.articles, key=lambda a: a.url)]
        urls.append((self.url("/wzdt.html"), LAUNCHED))       # the site map page: linked from nowhere else
        entries = "".join(f"<url><loc>{u}</loc><lastmod>{d:%Y-%m-%d}</lastmod></url>\n" for u, d in urls)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + entries + "</urlset>\n")
        return Resource(xml.encode("utf-8"), "application/xml", "sitemap", latest, links=[u for u, _ in urls])

    def _site_map_page(self) -> Resource:
        """网站地图: every column, as the CMS generated it; only sitemap.xml lists this page."""
        path = "/wzdt.html"
        links = Links(self.url(path))
        r = lambda target: links(relhref(path, target))  # noqa: E731
        rows = "".join(f'<dt><a href="{r(f"/{c.key}/index.html")}">{esc(c.name)}</a></dt>'
                       + "".join(f'<dd><a href="{r(f"/{k.key}/index.html")}">{esc(k.name)}</a></dd>' for k in c.children)
                       for c in self.columns)
        body = f'<div class="list_title">网站地图</div>\n<dl class="wzdt">{rows}</dl>'
        page = self._frame(links, path, "网站地图_桃源镇人民政府", body)
        return Resource(self._encode(page), "text/html", "tool", LAUNCHED, links=links.urls)


def _short(title: str, n: int) -> str:
    return title if len(title) <= n else title[:n] + "..."


def _blocks_html(blocks: list, art: Article, r) -> str:
    """TRS editor markup; pictures go after the first paragraph (page 1 only: `r` is None after)."""
    out = []
    for i, block in enumerate(blocks):
        kind, value = block
        if kind == "p":
            out.append(f'<p style="text-indent: 2em; line-height: 1.75">{esc(value)}</p>')
        elif kind == "h":
            out.append(f'<p style="text-indent: 2em"><strong>{esc(value)}</strong></p>')
        elif kind == "center":
            out.append(f'<p align="center"><strong>{esc(value)}</strong></p>')
        elif kind == "sign":
            out.append("".join(f'<p align="right">{esc(v)}</p>' for v in value))
        elif kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in value)
            out.append(f'<table border="1" cellspacing="0" cellpadding="3" width="100%">{rows}</table>')
        if i == 0 and r is not None:
            for pic in art.images:
                name = pic.url.rsplit("/", 1)[1]
                out.append(f'<p align="center"><img src="{r(site_path(pic.url))}" OLDSRC="{name}" border="0" /></p>')
    return "\n".join(out)


PAGER = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  var pageUrl = function(n){ return n == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + n + "." + _sPageExt; };
  document.write("共" + _nPageCount + "页&nbsp;");
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else { document.write("<a href=\\"" + pageUrl(0) + "\\">首页</a>&nbsp;<a href=\\"" + pageUrl(nCurrIndex-1) + "\\">上一页</a>&nbsp;"); }
  if(nCurrIndex == _nPageCount-1){ document.write("下一页&nbsp;尾页"); }
  else { document.write("<a href=\\"" + pageUrl(nCurrIndex+1) + "\\">下一页</a>&nbsp;<a href=\\"" + pageUrl(_nPageCount-1) + "\\">尾页</a>"); }
}
"""

PAGER_SIX = """function createPageHTML(_sDivId, _nPageCount, _nCurrPage, _sPageName, _sPageExt, _nRecordCount){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var html = "共" + _nRecordCount + "条记录&nbsp;第" + _nCurrPage + "/" + _nPageCount + "页&nbsp;";
  for(var i = 1; i <= _nPageCount; i++){
    var href = i == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + (i-1) + "." + _sPageExt;
    html += i == _nCurrPage ? "<span>" + i + "</span>&nbsp;" : "<a href=\\"" + href + "\\">" + i + "</a>&nbsp;";
  }
  document.getElementById(_sDivId).innerHTML = html;
}
"""

# Pictures of the homepage focus script (named nowhere but in the script).
FOCUS_PICTURES = ("/images/focus/2024cj.jpg", "/images/focus/2024qm.jpg")

STYLE = """body{margin:0;font-size:12px;font-family:"宋体";}
.top{width:1000px;margin:0 auto;background:#b8231f;}
.nav{width:1000px;margin:0 auto;background:#d6322b;height:36px;line-height:36px;}
.nav a{color:#fff;padding:0 16px;font-size:14px;}
.main{width:1000px;margin:10px auto;}
.position{height:30px;line-height:30px;border-bottom:1px solid #ddd;}
.list li{height:28px;line-height:28px;border-bottom:1px dashed #ccc;}
.list .date{float:right;color:#999;}
.title{font-size:22px;text-align:center;color:#b8231f;}
.xxgk_table td{border:1px solid #ccc;padding:4px;}
.footer{width:1000px;margin:0 auto;text-align:center;background:#f2f2f2;line-height:24px;}
"""

COMMON_JS = """function doZoom(size){ var el = document.getElementsByClassName("TRS_Editor")[0]; if(el){ el.style.fontSize = size + "px"; } }
// 页面右下角的飘窗：图片只在这个脚本里出现
var float_pic = "/images/float/xfdh.gif", float_close = "images/close.gif";
"""
# The pictures named by common.js (the second, relative, is relative to the page that runs it).
COMMON_JS_PICTURES = ("/images/float/xfdh.gif",)

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /search/
Sitemap: http://www.taoyuan.yunxi.gov.cn/sitemap.xml
"""

ADMIN = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>内容管理系统</title></head>
<body><form action="login.jsp" method="post">用户名：<input name="username"> 密码：<input type="password" name="password"> <input type="submit" value="登录"></form></body></html>
"""
