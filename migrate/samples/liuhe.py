"""柳河街道: a hand-made ASP site from the 2000s, GB2312/GBK with some later UTF-8 pages.

The homepage is a frameset; lists are `list.asp?classid=N&page=M`, articles `show.asp?id=N`.
Traps a crawler must keep out of: `calendar.asp?date=…` (every day links to the next, forever),
`show.asp?id=N&print=1` print views, and `?sid=…` session links that copy the whole site.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import quote

from migrate.samples import assets
from migrate.samples.content import Town, compose
from migrate.samples.model import CST, Article, Column, FileAsset, Links, Resource, SampleSite, cst, esc, seeded

TOWN = Town(
    name="柳河街道", gov="柳河街道办事处", unit="街道", office="柳河街道党政综合办公室", finance="柳河街道财政所",
    head_title="街道办事处主任", secretary_title="街道党工委书记", secretary="邓卫东", head="蒋秀英",
    deputies=["曾少华", "彭永红"], villages=["河东社区", "河西社区", "新华社区", "柳荫社区", "建设路社区", "滨河社区"],
    phone="0743-8127790", divisions="各社区", extra={"address": "云溪县柳河街道滨河路9号"})
ICP = "湘ICP备20001234号-7"
SESSION = "5F3A9C2E71B4D8A6"
UTF8_SINCE = datetime(2020, 7, 1, tzinfo=CST)       # pages added after the 2020 upgrade are UTF-8
LAUNCHED = datetime(2016, 12, 1, 9, 0, tzinfo=CST)
PER_PAGE = 10
GAMBLING_LINKS = [("http://www.amxpj-8888.com/", "澳门新葡京"), ("http://www.lhc-kj888.com/", "六合彩开奖"),
                  ("http://www.hg-yulecheng.com/", "皇冠娱乐城"), ("http://www.bet365-zx.com/", "体育投注")]

# classid, name, children (classid, name, shown in the menus?)
COLUMNS = [
    (1, "街道概况", []), (2, "领导分工", []), (3, "机构设置", []), (4, "街道动态", []), (5, "通知公告", []),
    (6, "政务公开", [(7, "财政公开", True), (8, "信息公开制度", True), (12, "政府信息公开指南", False)]),
    (9, "便民服务", []), (10, "主任信箱", []), (11, "社区风采", []),
]

PROFILE = [
    [("p", "柳河街道是云溪县城所在地，因柳河穿城而过、两岸垂柳成荫而得名。街道辖6个社区，总面积18.6平方公里，"
           "常住人口5.4万人，是全县政治、经济、文化中心。"),
     ("p", "街道区位优越，县城主干道纵横交错，商贸、物流、餐饮等服务业发达，辖区内有县级机关单位60余家、"
           "中小学校9所。")],
    [("p", "柳河街道辖河东社区、河西社区、新华社区、柳荫社区、建设路社区、滨河社区6个社区居民委员会。"),
     ("table", [["社区", "户数", "人口"], ["河东社区", "3120", "9860"], ["河西社区", "2870", "9120"],
                ["新华社区", "3410", "10350"], ["柳荫社区", "2650", "8240"], ["建设路社区", "2980", "9410"],
                ["滨河社区", "2210", "6980"]])],
]

LEADERS = [
    ("邓卫东", "街道党工委书记", "主持街道党工委全面工作。"),
    ("蒋秀英", "街道党工委副书记、办事处主任", "主持街道办事处全面工作，分管财政、审计工作。"),
    ("曾少华", "街道办事处副主任", "负责城市管理、安全生产、应急管理、消防工作。"),
]

ORG_TEXT = [
    [("p", "柳河街道办事处设党政综合办公室、党建工作办公室、社会事务办公室、城市管理办公室、平安建设办公室"
           "5个内设机构，下设财政所、便民服务中心、综合行政执法队、退役军人服务站。")],
    [("p", "街道辖6个社区居民委员会，各社区设党组织书记、居委会主任各1名，配备专职社区工作者4至6名。"),
     ("p", "社区居委会主要职责：宣传宪法、法律、法规和国家政策；办理本社区居民的公共事务和公益事业；"
           "调解民间纠纷；协助维护社会治安；协助做好公共卫生、社会救助、退役军人服务等工作。")],
]

# classid, published, title, spec, options: img, att [(name, folder, how)] how in gbk|utf8|numeric,
# gambling (hidden link block), broken (a link to a page that is gone), lying (UTF-8 page sent as gb2312)
ARTICLES = [
    (1, "2017-03-10 10:12", "柳河街道简介", "profile:0", {}),
    (1, "2017-03-10 10:20", "柳河街道行政区划", "profile:1", {}),
    (2, "2021-03-05 09:30", "邓卫东", "leader:0", {"img": 1}),
    (2, "2021-03-05 09:35", "蒋秀英", "leader:1", {"img": 1}),
    (2, "2021-03-05 09:40", "曾少华", "leader:2", {"img": 1}),
    (3, "2017-03-12 15:00", "柳河街道内设机构", "org:0", {}),
    (3, "2017-03-12 15:10", "柳河街道社区居委会", "org:1", {}),
    (4, "2021-06-22 16:35", "柳河街道召开防汛工作部署会", "news:flood:meeting", {"img": 1}),
    (4, "2021-05-11 10:05", "柳河街道开展防灾减灾宣传周活动", "news:flood:activity", {}),
    (4, "2021-03-29 15:20", "柳河街道开展清明节森林防火巡查", "news:forest:inspection", {}),
    (4, "2021-01-14 09:40", "柳河街道召开安全生产工作会议", "news:safety:meeting", {}),
    (4, "2020-12-03 14:25", "柳河街道开展冬季消防安全检查", "news:fire:inspection", {}),
    (4, "2020-11-16 11:50", "柳河街道第七次全国人口普查入户登记工作全面展开", "news:census:progress", {"lying": True}),
    (4, "2020-10-20 17:15", "柳河街道推进城乡居民医保征缴", "news:medical:progress", {}),
    (4, "2020-09-08 10:30", "柳河街道开展反电信网络诈骗宣传", "news:fraud:activity", {}),
    (4, "2020-07-15 08:45", "柳河街道全力做好防汛救灾工作", "news:flood:progress", {}),
    (4, "2020-06-24 16:05", "柳河街道开展禁毒宣传进社区活动", "news:antidrug:activity", {"img": 1}),
    (4, "2020-05-19 09:55", "柳河街道召开人居环境整治推进会", "news:env:meeting", {}),
    (4, "2020-01-09 15:30", "柳河街道开展“迎新春”走访慰问退役军人活动", "news:veteran:activity", {}),
    (4, "2019-11-05 10:20", "柳河街道开展消防安全宣传进社区活动", "news:fire:activity", {"broken": True}),
    (4, "2019-09-17 14:45", "柳河街道召开矛盾纠纷排查化解工作会议", "news:dispute:meeting", {}),
    (4, "2019-07-02 09:15", "柳河街道开展“七五”普法宣传活动", "news:law:activity", {"gambling": True}),
    (4, "2019-05-21 16:50", "柳河街道推进背街小巷提质改造", "news:road:progress", {}),
    (4, "2019-03-08 09:05", "柳河街道开展“三八”维权宣传活动", "news:law:activity", {"img": 1}),
    (4, "2018-12-12 11:30", "柳河街道开展冬季安全生产大检查", "news:safety:inspection", {}),
    (4, "2018-09-26 15:40", "柳河街道开展移风易俗宣传活动", "news:civil:activity", {}),
    (4, "2018-06-15 10:10", "柳河街道召开防汛工作会议", "news:flood:meeting", {}),
    (4, "2017-11-20 14:35", "柳河街道开展家庭医生签约服务进社区活动", "news:health:activity", {}),
    (5, "2021-05-28 10:00", "关于做好2021年汛期安全防范工作的通知", "notice:flood:通知", {}),
    (5, "2021-01-05 16:20", "关于春节期间加强烟花爆竹安全管理的通告", "notice:safety:通告", {}),
    (5, "2020-11-02 09:30", "关于开展第七次全国人口普查入户登记的通告", "notice:census:通告", {}),
    (5, "2020-09-14 15:10", "关于开展2021年度城乡居民医保征缴工作的通知", "notice:medical:通知", {}),
    (5, "2020-04-01 10:40", "关于做好清明节期间森林防火工作的通告", "notice:forest:通告", {}),
    (5, "2019-10-15 14:00", "关于开展冬春火灾防控工作的通知", "notice:fire:通知", {}),
    (5, "2019-06-03 09:20", "关于开展2019年“安全生产月”活动的通知", "notice:safety:通知", {}),
    (5, "2019-01-04 15:30", "关于做好2019年元旦春节期间安全工作的通知", "notice:safety:通知",
     {"att": [("春节期间安全检查记录表.doc", "/UploadFiles/2019/201901", "numeric")]}),
    (5, "2018-08-20 10:50", "关于开展禁毒宣传月活动的通知", "notice:antidrug:通知", {}),
    (5, "2018-03-12 16:15", "关于开展矛盾纠纷排查化解的通知", "notice:dispute:通知", {}),
    (5, "2017-09-05 09:45", "关于做好城乡居民养老保险参保工作的通知", "notice:pension:通知", {}),
    (7, "2021-02-26 10:00", "柳河街道办事处2021年部门预算公开", "finance:预算:2021",
     {"att": [("柳河街道2021年部门预算公开.pdf", "/UploadFiles/2021", "utf8")]}),
    (7, "2020-09-10 10:00", "柳河街道办事处2019年部门决算公开", "finance:决算:2019",
     {"att": [("柳河街道2019年部门决算公开表.xlsx", "/UploadFiles/2020", "utf8")]}),
    (7, "2020-02-24 10:00", "柳河街道办事处2020年财政预算公开", "finance:预算:2020",
     {"att": [("2020年财政预算公开.xls", "/UploadFiles/附件", "gbk")]}),
    (7, "2019-02-27 10:00", "柳河街道办事处2019年部门预算公开", "finance:预算:2019",
     {"att": [("2019年部门预算公开.doc", "/UploadFiles/附件", "gbk")]}),
    (8, "2018-04-10 09:00", "柳河街道政府信息公开保密审查制度", "rules:保密审查", {}),
    (8, "2018-04-10 09:10", "柳河街道政府信息公开工作考核制度", "rules:考核", {}),
    (12, "2019-01-15 10:00", "柳河街道办事处政府信息公开指南", "open_guide:LHJD", {}),
    (9, "2018-05-16 09:00", "城乡居民基本养老保险参保登记", "guide:pension",
     {"att": [("城乡居民养老保险参保登记表.doc", "", "download")]}),
    (9, "2018-05-16 09:10", "最低生活保障申请", "guide:dibao", {}),
    (9, "2018-05-16 09:20", "高龄津贴申领", "guide:elderly",
     {"att": [("高龄津贴申请表.xls", "/UploadFiles/附件", "gbk")]}),
    (9, "2018-05-16 09:30", "生育登记服务", "guide:birth",
     {"att": [("便民服务常用表格.zip", "/UploadFiles/2018", "gbk")]}),
    (10, "2020-08-12 16:00", "关于垃圾清运不及时的回复", "letter:garbage", {}),
    (10, "2019-07-23 10:30", "关于夜间施工噪音扰民的回复", "letter:noise", {}),
    (10, "2018-10-30 15:00", "关于医保缴费后查不到参保信息的回复", "letter:medical", {}),
    (11, "2019-09-29 15:00", "河东社区举办“邻里一家亲”文化节", "news:civil:activity", {"img": 1}),
    (11, "2019-03-05 10:00", "新华社区开展“学雷锋”志愿服务活动", "news:env:activity", {}),
    (11, "2018-10-17 09:30", "柳荫社区开展重阳节敬老义诊活动", "news:health:activity", {}),
]

ASP_PAGES = {"/index.asp", "/top.asp", "/left.asp", "/main.asp", "/list.asp", "/show.asp", "/calendar.asp"}
KEY_PARAMS = {"/list.asp": ("classid", "page"), "/show.asp": ("id",), "/photo.asp": ("page",),
              "/download.asp": ("id",)}
FIRST_PAGE = {"/list.asp": "1", "/photo.asp": "0"}     # list.asp counts pages from 1, photo.asp from 0
PHOTOS_PER_PAGE = 1


def asp_time(moment: datetime, seconds: int) -> str:
    """ASP `Now()` on a Chinese Windows: 2019-3-8 9:05:12 (no zero padding)."""
    return f"{moment.year}-{moment.month}-{moment.day} {moment.hour}:{moment.minute:02d}:{seconds:02d}"


def asp_date(day: date) -> str:
    return f"{day.year}-{day.month}-{day.day}"


class Liuhe(SampleSite):
    slug = "liuhe"
    name = "柳河街道"
    hosts = ["www.liuhe.yunxi.gov.cn", "liuhe.yunxi.gov.cn", "www.liuhe.yunxi.gov.cn:8080"]

    def __init__(self):
        self._cache: dict[tuple, Resource] = {}
        self.menu: list[Column] = []
        super().__init__()

    # -------------------------------------------------------------- data

    def _build_columns(self):
        for class_id, name, children in COLUMNS:
            top = self.add_column(name, str(class_id), per_page=PER_PAGE, pager="group" if children else "asp")
            for child_id, child_name, shown in children:
                child = self.add_column(child_name, str(child_id), top, per_page=PER_PAGE, pager="asp")
                if shown:
                    self.menu.append(child)

    def column(self, class_id: int) -> Column | None:
        return self.column_index.get(str(class_id))

    def _build_articles(self):
        for number, (class_id, when, title, spec, opts) in enumerate(sorted(ARTICLES, key=lambda a: a[1]), start=1):
            art = Article(self.slug, self.column(class_id), number, title, cst(when), spec, options=dict(opts))
            art.url = self.url(f"/show.asp?id={art.id}")
            self._describe(art)
            self.add_article(art)
        self.by_article = {a.id: a for a in self.articles}

    def is_utf8(self, art: Article) -> bool:
        return art.published >= UTF8_SINCE

    def _describe(self, art: Article):
        if art.column.parent is not None:            # 政务公开 > …
            year = art.published.year
            art.index_no = f"LHJD-{year}-{self.next_index_number(year):05d}"
            art.org = TOWN.gov
        elif self.is_utf8(art):
            art.source = TOWN.office
            art.show_time = False
        else:
            art.org = TOWN.gov

    def _blocks(self, art: Article) -> list:
        kind, _, arg = art.kind.partition(":")
        if kind == "profile":
            return PROFILE[int(arg)]
        if kind == "org":
            return ORG_TEXT[int(arg)]
        if kind == "leader":
            name, post, duty = LEADERS[int(arg)]
            return [("p", f"{name}，{post}。"), ("p", f"工作分工：{duty}")]
        return compose(art.kind, TOWN, seeded(self.slug, art.id), title=art.title, published=art.published)

    def _add_files(self, art: Article):
        rng = seeded(self.slug, "files", art.id)
        day = art.published
        for i in range(art.options.get("img", 0)):
            url = self.url(f"/UploadFiles/{day.year}/{day:%Y%m}/{day:%Y%m%d%H%M%S}{rng.randint(100, 999)}.jpg")
            self.add_picture(art, url, i, (200, 150))
        for name, folder, how in art.options.get("att", []):
            headers = []
            if how == "numeric":
                path = f"{folder}/{day:%Y%m%d%H%M}{rng.randint(10, 99)}.{name.rsplit('.', 1)[1]}"
            elif how == "download":
                # download.asp names the file with its raw UTF-8 bytes in Content-Disposition
                path = f"/download.asp?id={art.id}"
                headers = [("Content-Disposition", f'attachment; filename="{name}"'.encode("utf-8").decode("latin-1"))]
            else:
                path = quote(f"{folder}/{name}", safe="/", encoding="gbk" if how == "gbk" else "utf-8")
            asset = assets.attachment(self.url(path), name, art, headers=headers)
            if headers:
                asset.mime = "application/octet-stream"
            art.attachments.append(asset)
            self.add_file(asset)

    def _add_template_files(self):
        self.add_file(assets.image(self.url("/images/top.jpg"), "liuhe-top", LAUNCHED, size=(480, 100)))
        self.add_file(assets.image(self.url("/images/left_bg.gif"), "liuhe-left", LAUNCHED, size=(180, 24), banner=True))
        self.add_file(FileAsset(url=self.url("/" + FLASH_MOVIE), name="top.swf", data=FLASH_BYTES,
                                mime="application/x-shockwave-flash", kind="asset", modified=LAUNCHED))
        for i, picture in enumerate(FLASH_PICTURES):
            self.add_file(assets.image(self.url("/" + picture), f"liuhe-flash-{i}", LAUNCHED, size=(320, 60)))
        style = assets.text_asset(self.url("/css/style.css"), STYLE, LAUNCHED)
        style.links = [self.url("/css/skin/blue.css"), self.url("/images/nav_bg.gif")]
        self.add_file(style)
        # Named only by the stylesheets: a replayed page needs them all the same.
        self.add_file(assets.image(self.url("/images/nav_bg.gif"), "liuhe-nav", LAUNCHED, size=(120, 26), banner=True))
        self.add_file(assets.image(self.url("/images/banner_bg.jpg"), "liuhe-banner", LAUNCHED, size=(480, 60)))
        skin = assets.text_asset(self.url("/css/skin/blue.css"), SKIN, LAUNCHED, encoding="gbk")
        skin.mime = "application/octet-stream"      # IIS without a MIME map for .css
        skin.links = [self.url("/images/banner_bg.jpg")]
        self.add_file(skin)

    # -------------------------------------------------------------- routing

    def route_key(self, path: str, query: str) -> str:
        """IIS: paths are case-insensitive; only the parameters a page reads matter."""
        path = path.lower()
        if path == "/":
            path = "/index.asp"
        wanted = KEY_PARAMS.get(path)
        if not wanted:
            return path
        params = dict(re.findall(r"([^&=]+)=([^&]*)", query.lower()))
        if path in FIRST_PAGE and params.get("page") == FIRST_PAGE[path]:
            params.pop("page")
        return path + "?" + "&".join(f"{k}={params[k]}" for k in wanted if k in params)

    def dynamic(self, path: str, params: dict[str, str], form: dict[str, str]) -> Resource | None:
        """Calendar pages, print views and session copies are rendered on request."""
        path = path.lower()
        if path == "/calendar.asp":
            return self._calendar(params.get("date", ""))
        sid = params.get("sid")
        if path == "/show.asp" and params.get("print") == "1":
            art = self.by_article.get(int(params["id"])) if params.get("id", "").isdigit() else None
            return self._cached(("print", art.id), lambda: self._print_page(art)) if art else None
        if sid and path in ASP_PAGES:
            return self._cached((path, tuple(sorted(params.items()))), lambda: self._render_asp(path, params, sid))
        return None

    def _cached(self, key: tuple, make) -> Resource | None:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -------------------------------------------------------------- pages

    def _render(self):
        for column in self.all_columns():
            pages = column.pages()
            column.list_urls = [self.url(f"/list.asp?classid={column.key}")] + [
                self.url(f"/list.asp?classid={column.key}&page={i}") for i in range(2, len(pages) + 1)]
        for path in ("/index.asp", "/top.asp", "/left.asp", "/main.asp"):
            self.add(self.url(path), self._render_asp(path, {}, None))
        for column in self.all_columns():
            for i, url in enumerate(column.list_urls):
                self.add(url, self._render_asp("/list.asp", {"classid": column.key, "page": str(i + 1)}, None))
        for art in self.articles:
            self.add(art.url, self._render_asp("/show.asp", {"id": str(art.id)}, None))
        self.add(self.url("/robots.txt"), Resource(ROBOTS.encode("ascii"), "text/plain", "robots", LAUNCHED))
        self.add(self.url("/admin/login.asp"), Resource(ADMIN.encode("gbk"), "text/html", "admin", LAUNCHED))
        self.broken = {self.url("/zhuanti/wmcj/index.asp")}
        self._render_tools()

    def _render_asp(self, path: str, params: dict[str, str], sid: str | None) -> Resource | None:
        if path == "/index.asp":
            return self._frameset(sid)
        if path == "/top.asp":
            return self._top(sid)
        if path == "/left.asp":
            return self._left(sid)
        if path == "/main.asp":
            return self._main(sid)
        if path == "/list.asp":
            column = self.column(int(params["classid"])) if params.get("classid", "").isdigit() else None
            page = int(params["page"]) if params.get("page", "").isdigit() else 1
            if column is None or not 1 <= page <= len(column.list_urls):
                return None
            return self._list(column, page, sid)
        if path == "/show.asp":
            art = self.by_article.get(int(params["id"])) if params.get("id", "").isdigit() else None
            return self._show(art, sid) if art else None
        return None

    def _linker(self, url: str, sid: str | None):
        """A link writer that carries the session id into every ASP link, as the old site did."""
        links = Links(url)

        def href(target: str) -> str:
            if sid and target.split("?")[0].lower() in {p.lstrip("/") for p in ASP_PAGES}:
                target += ("&" if "?" in target else "?") + f"sid={sid}"
            return links(target)
        return links, href

    def _html(self, links: Links, title: str, body: str, *, utf8: bool = False, head: str = "") -> str:
        charset = "utf-8" if utf8 else "gb2312"
        return (f'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
                f"<title>{esc(title)}</title>\n{head}<link href=\"{links('css/style.css')}\" rel=\"stylesheet\" type=\"text/css\">\n"
                f"</head>\n<body leftmargin=0 topmargin=0 marginwidth=0 marginheight=0>\n{body}\n</body>\n</html>\n")

    def _frameset(self, sid: str | None) -> Resource:
        links, href = self._linker(self.url("/index.asp"), sid)
        html = (f'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
                f"<title>柳河街道办事处</title>\n</head>\n"
                f'<frameset rows="128,*" frameborder="NO" border="0" framespacing="0">\n'
                f'  <frame src="{href("top.asp")}" name="topFrame" scrolling="NO" noresize>\n'
                f'  <frameset cols="190,*" frameborder="NO" border="0" framespacing="0">\n'
                f'    <frame src="{href("left.asp?menu=1")}" name="leftFrame" scrolling="auto">\n'
                f'    <frame src="{href("main.asp")}" name="mainFrame">\n'
                f"  </frameset>\n</frameset>\n"
                f'<noframes><body>您的浏览器不支持框架，请<a href="{href("main.asp")}">点击这里</a>进入。</body></noframes>\n</html>\n')
        return Resource(html.encode("gbk"), "text/html; Charset=gb2312", "home", LAUNCHED, links=links.urls)

    def _top(self, sid: str | None) -> Resource:
        links, href = self._linker(self.url("/top.asp"), sid)
        nav = " | ".join(f'<a href="{href(f"list.asp?classid={c.key}")}" target=mainFrame>{esc(c.name)}</a>'
                         for c in self.columns)
        body = (f'<TABLE width=778 border=0 align=center cellPadding=0 cellSpacing=0>\n'
                f'<TR><TD><IMG src="{links("images/top.jpg")}" width=778 height=100 alt="柳河街道办事处" usemap="#topmap" border=0></TD></TR>\n'
                f'<TR><TD class=nav bgColor=#0a5ca8 height=28>&nbsp;<a href="{href("main.asp")}" target=mainFrame>首 页</a> | {nav}'
                f' | <a href="{href(f"main.asp?sid={SESSION}") if not sid else href("main.asp")}" target=mainFrame>刷新</a>'
                f' | <a href="{links("en/")}" target=_top>English</a>\n'
                f"</TABLE>\n" + self._flash_banner(links) +
                f'<map name="topmap"><area shape="rect" coords="640,20,770,90" href="{links("ditu.asp")}" '
                f'target=mainFrame alt="辖区地图"></map>')
        return Resource(self._html(links, "柳河街道办事处", body).encode("gbk"), "text/html; Charset=gb2312", "frame",
                        LAUNCHED, links=links.urls)

    @staticmethod
    def _flash_banner(links) -> str:
        """IE-era Flash banner: the movie only in <param name="movie"> (no <embed>), its
        pictures only in FlashVars; the movie's article links are found the usual ways."""
        pictures = "|".join(links(picture) for picture in FLASH_PICTURES)
        return ('<object classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000" width=778 height=60>'
                f'<param name="movie" value="{links(FLASH_MOVIE)}"><param name="quality" value="high">'
                f'<param name="FlashVars" value="pics={pictures}&amp;links=show.asp?id=1|show.asp?id=2&amp;texts=春耕|防汛">'
                '</object>\n')

    def _left(self, sid: str | None) -> Resource:
        links, href = self._linker(self.url("/left.asp?menu=1"), sid)
        guide = self.column(12).articles[0]
        menu = "".join(f'·<a href="{href(f"list.asp?classid={c.key}")}" target=mainFrame>{esc(c.name)}</a><br>\n'
                       for c in self.menu)
        links.implied(f"show.asp?id={guide.id}")
        links.implied("list.asp?classid=10")
        links.implied("xinfang.asp")
        body = (f'<TABLE width=180 border=0 cellpadding=0 cellspacing=0>\n'
                f'<TR><TD background="{links("images/left_bg.gif")}" height=24><b>政务公开</b></TD></TR>\n'
                f"<TR><TD style=\"line-height:22px\">\n{menu}"
                f"·<a href=\"#\" onclick=\"window.open('show.asp?id={guide.id}','xxgkzn','width=760,height=560,scrollbars=yes');"
                f'return false;">政府信息公开指南</a><br>\n'
                f"·<a href=\"javascript:void(0)\" onclick=\"location.href='list.asp?classid=10'\">主任信箱</a><br>\n"
                f'·<a href="javascript:xinfang()">信访指南</a><br>\n'
                '<script language="javascript">function xinfang(){ location.href = "xinfang.asp"; }</script>\n'
                f'<TR><TD>信息日历：<a href="{href("calendar.asp?date=2021-06-22")}" target=mainFrame>2021年6月</a>\n'
                f"</TABLE>")
        return Resource(self._html(links, "导航", body).encode("gbk"), "text/html; Charset=gb2312", "frame",
                        LAUNCHED, links=links.urls)

    def _main(self, sid: str | None) -> Resource:
        links, href = self._linker(self.url("/main.asp"), sid)

        def box(class_id: int, count: int, width: int = 370) -> str:
            column = self.column(class_id)
            items = column.pages()[0][:count]
            rows = "".join(f'<TR><TD height=22>·<a href="{href(f"show.asp?id={a.id}")}" target=_blank>{esc(a.title)}</a>'
                           f"<TD width=80><font color=#999999>[{asp_date(a.published)}]</font>\n" for a in items)
            return (f'<TABLE width={width} border=0 cellpadding=0 cellspacing=0>'
                    f'<TR><TD class=boxtitle>{esc(column.name)}<TD align=right><a href="{href(f"list.asp?classid={class_id}")}">更多&gt;&gt;</a>\n'
                    f"{rows}</TABLE>")

        picture = next(a for a in self.column(4).pages()[0] if a.images)
        body = (f"<TABLE width=760 border=0 align=center cellpadding=0 cellspacing=0>\n<TR>"
                f'<TD width=210 valign=top><a href="{href(f"show.asp?id={picture.id}")}" target=_blank>'
                f'<IMG src="{links(_rel(picture.images[0].url))}" width=200 height=150 border=0></a><br>{esc(picture.title)}\n'
                f"<TD valign=top>{box(4, 8, 540)}\n<TR><TD colspan=2>"
                f'<marquee scrollamount=2 onmouseover="this.stop()" onmouseout="this.start()">'
                + " ".join(f'<a href="{href(f"show.asp?id={a.id}")}" target=_blank>{esc(a.title)}</a>'
                           for a in self.column(5).pages()[0][:3])
                + f"</marquee>\n<TR><TD valign=top colspan=2>{box(5, 8)}{box(9, 4)}{box(11, 3)}\n"
                f'<TR><TD colspan=2 align=center><a href="{href("calendar.asp?date=2019-01-01")}">信息日历</a> | '
                f'<a href="{links("http://www.liuhe.yunxi.gov.cn:8080/main.asp")}" target=_blank>备用线路</a> | '
                f'<a href="{links("bmfw/")}" target=_blank>便民服务</a> | <a href="{links("photo.asp")}">图片集锦</a> | '
                f'<a href="{links("admin/login.asp")}">管理登录</a>\n'
                f'<TR><TD colspan=2 align=center><iframe src="{links("vote.asp")}" width=370 height=120 frameborder=0 '
                f"scrolling=no></iframe>\n</TABLE>\n{self._footer()}\n"
                '<script language="javascript">window.open("gonggao.asp","gonggao","width=420,height=320,top=120,left=300");</script>')
        links.implied("gonggao.asp")
        return Resource(self._html(links, "柳河街道办事处", body).encode("gbk"), "text/html", "home",
                        max(a.published for a in self.articles), links=links.urls)

    def _crumb(self, href, column: Column, link_last: bool) -> str:
        parts = [f'<a href="{href("main.asp")}">首页</a>']
        for c in column.chain:
            parts.append(f'<a href="{href(f"list.asp?classid={c.key}")}">{esc(c.name)}</a>'
                         if c is not column or link_last else esc(c.name))
        return "您现在的位置：" + " &gt;&gt; ".join(parts)

    def _list(self, column: Column, page: int, sid: str | None) -> Resource:
        url = column.list_urls[page - 1]
        links, href = self._linker(url, sid)
        if column.pager == "group":
            items = " | ".join(f'<a href="{href(f"list.asp?classid={c.key}")}">{esc(c.name)}</a>' for c in self.menu)
            rows = f"<TR><TD>本栏目下设：{items}\n"
            pager = ""
        else:
            rows = "".join(f'<TR><TD height=24>·<a href="{href(f"show.asp?id={a.id}")}" target=_blank>{esc(a.title)}</a>'
                           f"<TD width=90>[{asp_date(a.published)}]\n" for a in column.pages()[page - 1])
            pager = self._pager(href, column, page)
        body = (f"<TABLE width=760 border=0 align=center cellpadding=0 cellspacing=0>\n"
                f"<TR><TD class=position height=30>{self._crumb(href, column, False)}\n"
                f"<TR><TD><TABLE width=100% border=0 cellpadding=0 cellspacing=0>\n{rows}</TABLE>\n"
                f"<TR><TD align=center height=30>{pager}\n</TABLE>\n{self._footer()}")
        latest = max((a.published for a in column.articles), default=LAUNCHED)
        return Resource(self._html(links, f"{column.name}-柳河街道办事处", body).encode("gbk"), "text/html", "list",
                        latest, links=links.urls)

    def _pager(self, href, column: Column, page: int) -> str:
        total = len(column.list_urls)
        base = f"list.asp?classid={column.key}"
        first = f'<a href="{href(base + "&page=1")}">首页</a>' if page > 1 else "首页"
        prev = f'<a href="{href(base + f"&page={page - 1}")}">上一页</a>' if page > 1 else "上一页"
        nxt = f'<a href="{href(base + f"&page={page + 1}")}">下一页</a>' if page < total else "下一页"
        last = f'<a href="{href(base + f"&page={total}")}">尾页</a>' if page < total else "尾页"
        # A jump menu whose URL the script builds from the chosen option (spiders/liuhe_asp.py)
        options = "".join(f'<option value="{n}"{" selected" if n == page else ""}>第{n}页</option>'
                          for n in range(1, total + 1))
        jump = (f" 转到：<select name=\"page\" onchange=\"window.location='{base}&page='"
                f'+this.options[this.selectedIndex].value">{options}</select>') if total > 1 else ""
        return (f"共 {len(column.articles)} 条记录 页次：{page}/{total} 每页 {column.per_page} 条 "
                f"{first} {prev} {nxt} {last}{jump}")

    def _show(self, art: Article, sid: str | None) -> Resource:
        links, href = self._linker(art.url, sid)
        utf8 = self.is_utf8(art)
        seconds = seeded(self.slug, "sec", art.id).randint(0, 59)
        views = seeded(self.slug, "views", art.id).randint(60, 3000)
        if art.index_no:
            info = (f"索引号：{art.index_no}&nbsp;&nbsp;发布机构：{esc(art.org)}&nbsp;&nbsp;"
                    f"发布时间：{asp_time(art.published, seconds)}&nbsp;&nbsp;点击数：{views}")
        elif utf8:
            info = f"来源：{esc(art.source)}　更新时间：{art.published.year}年{art.published.month}月{art.published.day}日　点击数：{views}"
        else:
            info = f"发布机构：{esc(art.org)}&nbsp;&nbsp;发布时间：{asp_time(art.published, seconds)}&nbsp;&nbsp;点击数：{views}"
        content = _blocks_html(art, links)
        if art.options.get("broken"):
            content += f'<P>&nbsp;&nbsp;&nbsp;&nbsp;更多内容详见<a href="{href("zhuanti/wmcj/index.asp")}">文明创建专题</a>。'
        if art.id == 2:
            content += (f'<P>&nbsp;&nbsp;&nbsp;&nbsp;本站地址：<a href="{links("http://liuhe.yunxi.gov.cn/show.asp?id=1")}">'
                        f"http://liuhe.yunxi.gov.cn/</a>")
        if art.attachments:
            content += "<P>附件：" + "<br>".join(f'<a href="{links(_rel(a.url))}" target=_blank>{esc(a.name)}</a>'
                                              for a in art.attachments)
        ordered = art.column.pages()
        flat = [a for page in ordered for a in page]
        position = flat.index(art)
        newer = flat[position - 1] if position > 0 else None
        older = flat[position + 1] if position + 1 < len(flat) else None
        neighbours = "".join(
            f'{label}：<a href="{href(f"show.asp?id={other.id}")}">{esc(other.title)}</a><br>' if other else f"{label}：没有了<br>"
            for label, other in (("上一篇", newer), ("下一篇", older)))
        hidden = ""
        if art.options.get("gambling"):
            hidden = ('<div style="display:none">' + " ".join(f'<a href="{links(u)}" target=_blank>{t}</a>'
                                                             for u, t in GAMBLING_LINKS) + "</div>\n")
        body = (f"<TABLE width=760 border=0 align=center cellpadding=0 cellspacing=0>\n"
                f"<TR><TD class=position height=30>{self._crumb(href, art.column, True)}\n"
                f'<TR><TD align=center height=50><font size=4 color=#cc0000><b>{esc(art.title)}</b></font>\n'
                f"<TR><TD align=center class=info>{info}\n"
                f'<TR><TD class=content style="font-size:14px;line-height:180%">\n{content}\n'
                f'<TR><TD align=right>【<a href="{links(f"show.asp?id={art.id}&print=1")}" target=_blank>打印本页</a>】'
                f'【<a href="javascript:window.close()">关闭窗口</a>】\n'
                f"<TR><TD>{neighbours}\n</TABLE>\n{self._footer()}\n{hidden}")
        lying = art.options.get("lying")
        content_type = ("text/html; Charset=gb2312" if lying else "text/html; Charset=UTF-8") if utf8 else "text/html"
        html = self._html(links, art.title, body, utf8=utf8)
        return Resource(html.encode("utf-8" if utf8 else "gbk"), content_type, "article", art.published,
                        links=links.urls)

    def _print_page(self, art: Article) -> Resource:
        utf8 = self.is_utf8(art)
        links = Links(art.url + "&print=1")
        body = (f"<center><h3>{esc(art.title)}</h3></center>\n{_blocks_html(art, links)}\n"
                '<center><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></center>')
        return Resource(self._html(links, art.title, body, utf8=utf8).encode("utf-8" if utf8 else "gbk"),
                        "text/html", "trap", art.published)

    def _calendar(self, value: str) -> Resource | None:
        """Every day links to the day before and after: an endless URL space."""
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        links = Links(self.url(f"/calendar.asp?date={day:%Y-%m-%d}"))
        items = [a for a in self.articles if a.published.date() == day and a.column.key != "12"]
        rows = "".join(f'·<a href="{links(f"show.asp?id={a.id}")}" target=_blank>{esc(a.title)}</a><br>' for a in items)
        nav = []
        for label, other in (("前一天", day - timedelta(days=1)), ("后一天", day + timedelta(days=1))):
            if date.min < other < date.max:
                nav.append(f'<a href="{links(f"calendar.asp?date={other:%Y-%m-%d}")}">{label}</a>')
        body = (f"<TABLE width=600 align=center><TR><TD align=center>{day.year}年{day.month}月{day.day}日 信息日历\n"
                f"<TR><TD>{rows or '本日无信息'}\n<TR><TD align=center>{' | '.join(nav)}\n</TABLE>")
        return Resource(self._html(links, "信息日历", body).encode("gbk"), "text/html", "trap", None, links=links.urls)

    # -------------------------------------------------------------- utility pages
    # Small pages that are not articles, each reached in one odd way (see DISCOVERY_CASES in
    # migrate.samples.truth): an iframe, an image map, a refresh tag, scripts, a 0-based gallery,
    # a Big5 page and a download whose file name is raw UTF-8 in Content-Disposition.

    def _render_tools(self):
        simple = {
            "/vote.asp": ("网上调查", "您对街道便民服务中心的服务是否满意", ["满意", "基本满意", "不满意"]),
            "/ditu.asp": ("辖区地图", "柳河街道辖区社区分布", TOWN.villages),
            "/xinfang.asp": ("信访指南", "信访接待", ["接待地点：街道办事处一楼信访接待室", "接待时间：周一至周五",
                                                "来信地址：" + TOWN.extra["address"], "咨询电话：" + TOWN.phone]),
            "/gonggao.asp": ("网站公告", "网站公告", ["本站内容逐步迁移至云溪县人民政府门户网站",
                                                "迁移期间本站照常访问"]),
        }
        for path, (title, heading, lines) in simple.items():
            self.add(self.url(path), self._tool_page(path, title, heading, lines))
        self.add(self.url("/bmfw/"), _entry_page("便民服务", '<meta http-equiv="refresh" content="0; url=../bmfw.asp">',
                                                 self.url("/bmfw.asp")))
        self.add(self.url("/en/"), _entry_page("English", '<script language="javascript">window.location = "../english.asp";</script>',
                                               self.url("/english.asp")))
        self.add(self.url("/english.asp"), self._english_page())
        self.add(self.url("/bmfw.asp"), self._service_page())
        self.add(self.url("/tbfw.asp"), self._big5_page())
        photos = [(a, p) for a in sorted(self.articles, key=lambda a: (a.published, a.id), reverse=True)
                  if a.column.key != "2" for p in a.images]      # news pictures, not the leaders' portraits
        pages = [photos[i:i + PHOTOS_PER_PAGE] for i in range(0, len(photos), PHOTOS_PER_PAGE)]
        for number, items in enumerate(pages):
            self.add(self._photo_url(number), self._photo_page(number, len(pages), items))

    def _tool(self, path: str, title: str, body_of) -> Resource:
        """A small GBK page in the site's template; `body_of(links)` writes its body."""
        links = Links(self.url(path))
        html = self._html(links, title, body_of(links))
        return Resource(html.encode("gbk"), "text/html", "tool", LAUNCHED, links=links.urls)

    def _tool_page(self, path: str, title: str, heading: str, lines: list[str]) -> Resource:
        rows = "".join(f"<TR><TD height=24>·{esc(line)}\n" for line in lines)
        return self._tool(path, f"{title}-柳河街道办事处", lambda links: (
            f"<TABLE width=360 border=0 align=center cellpadding=0 cellspacing=0>\n"
            f"<TR><TD class=boxtitle>{esc(heading)}\n{rows}</TABLE>"))

    def _english_page(self) -> Resource:
        return self._tool("/english.asp", "Liuhe Subdistrict Office", lambda links: (
            "<TABLE width=600 border=0 align=center><TR><TD><b>Liuhe Subdistrict Office, Yunxi County</b>\n"
            f"<TR><TD>Address: No. 9 Binhe Road<br>Tel: {TOWN.phone}<br>"
            f'<a href="{links("index.asp")}" target=_top>中文版</a>\n</TABLE>'))

    def _service_page(self) -> Resource:
        return self._tool("/bmfw.asp", "便民服务-柳河街道办事处", lambda links: (
            f"<TABLE width=600 border=0 align=center cellpadding=0 cellspacing=0>\n"
            f"<TR><TD class=boxtitle>便民服务导航\n"
            f'<TR><TD height=24>·<a href="{links("list.asp?classid=9")}">办事指南</a>\n'
            f'<TR><TD height=24>·<a href="{links("tbfw.asp")}">臺胞服務（繁體）</a>\n</TABLE>'))

    def _big5_page(self) -> Resource:
        """A page the Taiwan affairs office wrote in Big5, with Traditional link texts."""
        links = Links(self.url("/tbfw.asp"))
        html = ('<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=big5">\n'
                "<title>臺胞服務－柳河街道辦事處</title>\n</head>\n<body>\n<TABLE width=600 align=center>\n"
                "<TR><TD><b>臺胞服務指南</b>\n"
                f'<TR><TD>·<a href="{links("list.asp?classid=1")}">街道概況</a>\n'
                f'<TR><TD>·<a href="{links("list.asp?classid=9")}">便民服務</a>\n'
                f"<TR><TD>聯繫電話：{TOWN.phone}\n</TABLE>\n</body>\n</html>\n")
        return Resource(html.encode("big5"), "text/html", "tool", LAUNCHED, links=links.urls)

    def _photo_url(self, number: int) -> str:
        return self.url("/photo.asp" if number == 0 else f"/photo.asp?page={number}")

    def _photo_page(self, number: int, total: int, items: list) -> Resource:
        """A gallery counted from page 0 whose pager shows only the first two numbers and the
        last page: the pages in between are reached by filling the gap."""
        links = Links(self._photo_url(number))
        cells = "".join(f'<TD align=center><a href="{links(f"show.asp?id={a.id}")}" target=_blank>'
                        f'<IMG src="{links(_rel(p.url))}" width=160 height=120 border=0></a><br>'
                        f'<a href="{links(f"show.asp?id={a.id}")}" target=_blank>{esc(a.title)}</a>[{asp_date(a.published)}]\n'
                        for a, p in items)
        shown = [n for n in (0, 1) if n < total]
        numbers = " ".join(str(n + 1) if n == number else f'<a href="{links(_rel(self._photo_url(n)))}">{n + 1}</a>'
                           for n in shown)
        last = f'<a href="{links(_rel(self._photo_url(total - 1)))}">尾页</a>' if number != total - 1 else "尾页"
        for n in range(total):
            if n != number:
                links.implied(_rel(self._photo_url(n)))
        body = (f"<TABLE width=760 border=0 align=center cellpadding=0 cellspacing=0>\n"
                f"<TR><TD class=boxtitle colspan=2>图片集锦\n<TR>{cells}"
                f"<TR><TD colspan=2 align=center>{numbers} … {last}\n</TABLE>\n{self._footer()}")
        return Resource(self._html(links, "图片集锦-柳河街道办事处", body).encode("gbk"), "text/html", "list",
                        LAUNCHED, links=links.urls)

    def _footer(self) -> str:
        return (f"<TABLE width=760 border=0 align=center cellpadding=0 cellspacing=0 bgcolor=#eeeeee>"
                f"<TR><TD align=center height=60>柳河街道办事处 版权所有　地址：{TOWN.extra['address']}　电话：{TOWN.phone}<br>"
                f'<a href="https://beian.miit.gov.cn/" target=_blank>{ICP}</a>　建议使用1024×768分辨率浏览\n</TABLE>')


def _entry_page(title: str, head: str, target: str) -> Resource:
    """An old entry folder whose index only sends the browser on (refresh tag or script)."""
    html = (f'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
            f"<title>{esc(title)}</title>\n{head}\n</head>\n<body></body>\n</html>\n")
    return Resource(html.encode("gbk"), "text/html", "tool", LAUNCHED, links=[target])


def _rel(url: str) -> str:
    """ASP pages sit at the root, so site paths are written without the leading slash."""
    return url.split("/", 3)[3]


def _blocks_html(art: Article, links: Links) -> str:
    """Old editor markup: unclosed <P>, &nbsp; indents, <br> for line breaks."""
    out = []
    for i, (kind, value) in enumerate(art.blocks):
        if kind == "p":
            out.append(f"<P>&nbsp;&nbsp;&nbsp;&nbsp;{esc(value)}")
        elif kind in ("h", "center"):
            out.append(f"<P><B>{esc(value)}</B>")
        elif kind == "sign":
            out.append("<P align=right>" + "<br>".join(esc(v) for v in value))
        elif kind == "table":
            rows = "".join("<TR>" + "".join(f"<TD>{esc(c)}" for c in row) for row in value)
            out.append(f"<TABLE border=1 cellspacing=0 cellpadding=3 width=95% align=center>{rows}</TABLE>")
        if i == 0:
            out += [f'<P align=center><IMG src="{links(_rel(p.url))}" border=0 onload="if(this.width>600)this.width=600">'
                    for p in art.images]
    return "\n".join(out)


# The top frame's Flash banner (relative to /top.asp) and the pictures its FlashVars name.
FLASH_MOVIE = "images/top.swf"
FLASH_PICTURES = ("images/flash/chungeng.jpg", "images/flash/fangxun.jpg")
FLASH_BYTES = b"FWS\x06" + (24).to_bytes(4, "little") + b"\x00" * 16      # a Flash 6 header, no frames

STYLE = """@import "skin/blue.css";
body,td{font-size:12px;font-family:宋体;}a{color:#333;text-decoration:none;}
.nav{background:url(../images/nav_bg.gif) repeat-x;}
.nav a{color:#fff;font-weight:bold;}.position{border-bottom:1px solid #ccc;}
/* 2012年改版前的导航底图，文件已删除 .nav_old{background:url(../images/nav_old.gif);} */
.boxtitle{background:#e8f0fa;font-weight:bold;color:#0a5ca8;height:26px;}
"""

# The "blue" skin, saved by a GBK editor (its comment is GBK; its URLs are ASCII).
SKIN = """/* 蓝色皮肤 */
.banner{height:60px;background-image:url( '../../images/banner_bg.jpg' );}
"""

ROBOTS = """User-agent: *
Disallow: /admin/
"""

ADMIN = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>后台管理登录</title></head>
<body><form action="chklogin.asp" method="post">管理员：<input name="admin"> 密码：<input type="password" name="pwd"> <input type="submit" value="登录"></form></body></html>
"""
