"""Chinese text for the sample sites: topic phrase banks and body generators.

A body is a list of blocks, rendered by each site in its own old-fashioned markup:
``("p", text)``, ``("h", text)`` (a bold sub-heading), ``("center", text)``,
``("table", rows)`` (first row is the header), ``("sign", [org, date])`` (right-aligned signature).
Every generator takes a seeded `random.Random`, so the same article always reads the same.
All people, places and numbers are fictional.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

CN_DIGITS = "〇一二三四五六七八九"
CN_ORDINALS = "一二三四五六七八九十"


def cn_date(d: date) -> str:
    """2023年1月5日"""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_md(d: date) -> str:
    """1月5日"""
    return f"{d.month}月{d.day}日"


def cn_year_upper(d: date) -> str:
    """二〇二三年一月五日 (the form official documents are signed with)."""
    year = "".join(CN_DIGITS[int(c)] for c in str(d.year))

    def number(n: int) -> str:
        if n < 10:
            return CN_ORDINALS[n - 1]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_ORDINALS[tens - 1]) + "十" + ("" if ones == 0 else CN_ORDINALS[ones - 1])
    return f"{year}年{number(d.month)}月{number(d.day)}日"


@dataclass
class Town:
    """What the generators need to know about one township."""
    name: str            # 桃源镇
    gov: str             # 桃源镇人民政府
    unit: str            # 镇 / 乡 / 街道
    office: str          # 桃源镇党政综合办公室
    finance: str         # 桃源镇财政所
    head_title: str      # 镇长 / 乡长 / 街道办事处主任
    secretary_title: str  # 镇党委书记 / 乡党委书记 / 街道党工委书记
    secretary: str
    head: str
    deputies: list[str]
    villages: list[str]
    phone: str           # 0743-8xxxxxx
    divisions: str = "各村（社区）"
    extra: dict = field(default_factory=dict)

    @property
    def offices(self) -> str:
        """镇直相关单位 / 街道各办（站、所）"""
        return f"{self.unit}直相关单位" if self.unit != "街道" else "街道各办（站、所）"

    @property
    def recipients(self) -> str:
        return f"{self.divisions}、{self.unit}直各单位：" if self.unit != "街道" else "各社区居委会、街道各办（站、所）："


@dataclass
class Topic:
    name: str               # 森林防灭火
    why: str                # 会议指出 …
    measures: list[str]     # 一是 … 二是 …
    emphasis: str           # 强调 …
    activity: str           # 活动中 …
    check: str              # 检查组详细了解 …
    next: str               # 下一步 …
    basis: str = "上级有关文件精神"
    effect: str = "进一步提高了群众的知晓率和参与度"


TOPICS: dict[str, Topic] = {
    "forest": Topic(
        "森林防灭火",
        "当前正值森林火灾高发期，清明祭扫、春耕备耕野外用火增多，防控形势严峻复杂",
        ["严格落实网格化管理责任，把巡山护林任务分解到村、落实到人",
         "加强重点时段、重点区域的值守巡查，严防祭祀烧纸、烧田埂草等野外违规用火",
         "加强扑火队伍建设和物资储备，确保一旦发生火情能够快速响应、科学处置",
         "深入开展宣传教育，通过村村响广播、入户走访等方式提高群众防火意识",
         "严格执行24小时值班和火情报告制度，确保信息畅通"],
        "要时刻绷紧森林防灭火这根弦，坚决守住不发生重大森林火灾的底线",
        "向进山群众发放森林防火宣传单，讲解野外用火的危害和相关法律法规",
        "护林员在岗履职、防火物资储备和火源管控等情况",
        "持续加大巡查管控力度，全力守护辖区森林资源安全",
        "《中华人民共和国森林法》《森林防火条例》"),
    "flood": Topic(
        "防汛抗旱",
        "今年汛期降雨偏多、极端天气频发，防汛形势不容乐观",
        ["全面排查山塘水库、地质灾害隐患点和危房，建立隐患台账并逐一落实整改",
         "修订完善防汛应急预案，明确转移路线和安置地点",
         "落实防汛物资储备，组建应急抢险队伍，确保关键时刻拉得出、用得上",
         "严格落实领导带班和24小时值班制度，及时发布预警信息",
         "对地质灾害隐患点实行专人监测，遇强降雨及时转移受威胁群众"],
        "要牢固树立人民至上、生命至上的理念，坚决防止因灾造成人员伤亡",
        "向群众讲解防汛避险常识和地质灾害识别方法，组织开展转移避险演练",
        "山塘水库安全运行、防汛物资储备和值班值守等情况",
        "密切关注天气变化，扎实做好防汛抗旱各项准备工作",
        "县防汛抗旱指挥部有关工作部署"),
    "safety": Topic(
        "安全生产",
        "安全生产事关人民群众生命财产安全，容不得半点麻痹和松懈",
        ["全面落实企业主体责任和部门监管责任，压紧压实安全生产责任链条",
         "深入开展道路交通、建筑施工、烟花爆竹、燃气等重点行业领域隐患排查整治",
         "加强对“九小场所”和人员密集场所的消防安全检查",
         "对排查发现的隐患建立台账，明确整改责任人和整改时限，实行闭环管理",
         "强化应急值守，完善应急预案，提升突发事件应急处置能力"],
        "要坚持人民至上、生命至上，以“时时放心不下”的责任感抓好安全生产各项工作",
        "通过设置咨询台、发放宣传资料、展示宣传展板等方式普及安全生产知识",
        "企业安全生产制度落实、消防设施配备、隐患整改台账等情况",
        "持续开展安全生产隐患排查整治，坚决遏制各类安全事故发生",
        "《中华人民共和国安全生产法》"),
    "env": Topic(
        "农村人居环境整治",
        "改善农村人居环境是实施乡村振兴战略的重要任务，事关广大农民群众的根本福祉",
        ["以“清垃圾、清塘沟、清畜禽粪污、清残垣断壁”为重点，开展村庄清洁行动",
         "完善农村生活垃圾收运处置体系，落实保洁员队伍和保洁经费",
         "稳步推进农村改厕工作，加强户厕后续管护",
         "开展“美丽庭院”评比活动，引导群众养成良好卫生习惯",
         "加大督查考评力度，每月开展一次评比并通报结果"],
        "要发动群众广泛参与，做到干部带头、党员示范、群众主体，推动人居环境持续改善",
        "组织党员干部和志愿者清理房前屋后杂物、沟渠垃圾，向群众宣传垃圾分类知识",
        "村庄保洁、垃圾收运和改厕后续管护等情况",
        "建立健全长效管护机制，努力建设生态宜居美丽乡村"),
    "river": Topic(
        "河长制",
        "全面推行河长制是守护河湖生态的重要制度安排",
        ["各级河长要按要求开展巡河，及时发现和解决河道存在的问题",
         "严厉打击非法采砂、电鱼毒鱼、向河道倾倒垃圾等违法行为",
         "做好河道保洁，落实河道保洁员，确保河面无漂浮物",
         "加强河长公示牌管理，及时更新河长信息和监督电话"],
        "要以更高标准、更实举措推进河湖治理，让河湖长治久清",
        "清理河道沿岸垃圾，向沿河群众宣传保护水资源和河道生态的重要意义",
        "河道保洁、巡河记录和河长公示牌设置等情况",
        "持续巩固河湖治理成果，建设幸福河湖"),
    "spring": Topic(
        "春耕生产",
        "抓好春耕生产是全年农业丰收的基础，对稳定粮食生产具有重要意义",
        ["落实粮食播种面积，坚决遏制耕地“非农化”、防止“非粮化”",
         "做好种子、化肥、农药等农资供应，加强农资市场监管",
         "组织农技人员下村入户，开展育秧、病虫害防治等技术指导",
         "整修沟渠、山塘等农田水利设施，保障春耕用水"],
        "要抢抓农时，确保春耕生产有序推进，为全年粮食丰收打下坚实基础",
        "农技人员深入田间地头，现场指导农户开展集中育秧和农机操作",
        "早稻育秧、农资供应和农田水利设施修复等情况",
        "加强技术服务和农资保障，确保粮食播种面积稳中有增"),
    "medical": Topic(
        "城乡居民医保征缴",
        "城乡居民基本医疗保险是惠及千家万户的民生工程，关系到群众的切身利益",
        ["加大政策宣传力度，让群众了解参保缴费标准、缴费方式和待遇政策",
         "以村（社区）为单位落实征缴责任，做到不漏一户、不落一人",
         "做好脱贫人口、低保对象、特困人员等困难群体的资助参保工作",
         "推广线上缴费方式，引导群众通过手机银行、微信等渠道便捷缴费"],
        "要倒排工期、挂图作战，确保按时保质完成参保征缴任务",
        "现场为群众讲解医保缴费标准和报销政策，指导群众通过手机完成缴费",
        "参保征缴进度、困难群体资助参保等情况",
        "持续做好参保扩面和征缴工作，织密织牢基本医疗保障网",
        "县医疗保障局、县税务局有关文件精神"),
    "pension": Topic(
        "城乡居民养老保险",
        "城乡居民养老保险是保障群众老有所养的重要制度",
        ["做好适龄参保人员摸底登记，推动应保尽保",
         "引导参保群众选择较高档次缴费，提高养老待遇水平",
         "做好待遇领取资格认证工作，防止冒领养老金",
         "为行动不便的老人提供上门认证服务"],
        "要把好事办好、实事办实，让群众老有所养、老有所依",
        "为群众讲解养老保险缴费档次和待遇计算办法，现场办理参保登记",
        "参保登记、资格认证和待遇发放等情况",
        "进一步扩大参保覆盖面，提升经办服务水平"),
    "antidrug": Topic(
        "禁毒宣传",
        "毒品危害个人健康、家庭幸福和社会稳定，禁毒工作必须常抓不懈",
        ["深入开展禁毒宣传进村（社区）、进学校、进家庭活动",
         "加强对社区戒毒社区康复人员的管控帮扶",
         "开展铲毒踏查，严防非法种植罂粟等毒品原植物",
         "落实禁毒专干和网格员责任，织密禁毒防控网络"],
        "要坚持预防为主、综合治理，持续营造全民禁毒的浓厚氛围",
        "通过展板展示、发放宣传手册、现场讲解等方式，向群众普及毒品识别和预防知识",
        "禁毒宣传阵地建设和社区康复人员帮扶等情况",
        "持续深化全民禁毒宣传教育，不断巩固禁毒工作成果"),
    "fraud": Topic(
        "反电信网络诈骗宣传",
        "当前电信网络诈骗案件多发，手段不断翻新，群众防骗意识亟待提高",
        ["组织网格员入户宣传，做到反诈宣传家喻户晓",
         "引导群众下载安装“国家反诈中心”APP",
         "重点加强对老年人、学生、务工返乡人员等群体的宣传",
         "发现可疑情况及时劝阻并报告公安机关"],
        "要守好群众的“钱袋子”，坚决遏制电信网络诈骗案件高发态势",
        "工作人员结合真实案例，向群众讲解刷单返利、冒充客服、虚假投资理财等常见诈骗手法",
        "反诈宣传覆盖和国家反诈中心APP安装推广等情况",
        "持续开展反诈宣传“进村入户”活动，筑牢全民反诈防线"),
    "fire": Topic(
        "冬春火灾防控",
        "冬春季节天干物燥，用火用电用气增多，是火灾易发多发时期",
        ["全面排查群租房、小作坊、养老机构等场所的消防安全隐患",
         "重点关注独居老人、留守儿童等群体的用火用电安全",
         "规范电动自行车停放充电，严禁飞线充电和入户充电",
         "加强村级微型消防站建设，定期开展消防演练"],
        "要坚持防患于未然，全力确保辖区消防安全形势持续稳定",
        "消防宣传员走村入户，检查群众家中电线线路和灶台周边安全状况",
        "消防设施配备、电动自行车充电管理和疏散通道畅通等情况",
        "持续加强消防安全检查，坚决防范较大以上火灾事故发生"),
    "house": Topic(
        "农村自建房安全隐患排查整治",
        "农村自建房安全关系群众生命财产安全，必须全面摸清底数、消除隐患",
        ["按照“谁拥有谁负责、谁使用谁负责”的原则压实房屋安全责任",
         "对经营性自建房逐栋开展安全排查，建立一户一档",
         "对存在安全隐患的房屋，立即采取停用、撤人、加固等措施",
         "严格农村建房审批管理，坚决制止违法违规建设"],
        "要坚持边查边改、立查立改，坚决消除房屋安全隐患",
        "技术人员逐户查看房屋结构安全，向群众讲解房屋安全使用常识",
        "经营性自建房排查进度和隐患整改落实情况",
        "建立农村房屋安全长效管理机制，切实保障群众住房安全"),
    "farmland": Topic(
        "高标准农田建设",
        "高标准农田建设是保障粮食安全、推动农业现代化的重要基础",
        ["严格按照设计图纸施工，确保工程质量和进度",
         "加强施工现场安全管理和文明施工",
         "做好群众工作，及时协调解决施工中遇到的矛盾纠纷",
         "同步落实建后管护责任，确保工程长期发挥效益"],
        "要把高标准农田建设作为民生工程、民心工程抓紧抓实",
        "项目技术人员现场讲解施工标准和质量要求",
        "渠系、机耕道施工质量和工程进度等情况",
        "加快项目建设进度，确保按期完成建设任务并投入使用"),
    "revit": Topic(
        "乡村振兴",
        "全面推进乡村振兴是新时代“三农”工作的总抓手",
        ["巩固拓展脱贫攻坚成果，落实防止返贫动态监测和帮扶机制",
         "做大做强油茶、蔬菜、中药材等特色产业，带动群众增收",
         "壮大村级集体经济，盘活闲置资产资源",
         "加强乡村治理，推进移风易俗，培育文明乡风"],
        "要坚持以产业振兴为重点，因地制宜发展特色产业，推动群众持续稳定增收",
        "帮扶干部入户走访，了解群众生产生活情况，宣讲惠民政策",
        "产业发展、就业帮扶和防返贫监测等情况",
        "持续巩固拓展脱贫攻坚成果，扎实推进乡村全面振兴"),
    "invest": Topic(
        "招商引资",
        "招商引资是推动经济发展的重要引擎，必须把项目建设摆在突出位置",
        ["梳理包装一批农副产品加工、乡村旅游等招商项目，建立项目库",
         "落实领导包联项目制度，实行“一个项目、一名领导、一套班子”",
         "优化营商环境，为企业提供全程代办服务",
         "加强已签约项目跟踪服务，推动项目早落地、早投产"],
        "要以招商引资的新突破推动经济高质量发展",
        "与客商代表座谈交流，详细介绍区位交通、资源禀赋和优惠政策",
        "项目用地、审批手续和建设进度等情况",
        "持续优化营商环境，全力推动签约项目落地见效"),
    "civil": Topic(
        "移风易俗",
        "推进移风易俗是培育文明乡风、减轻群众负担的重要举措",
        ["修订完善村规民约，将红白喜事简办纳入村规民约",
         "发挥红白理事会作用，倡导婚事新办、丧事简办",
         "开展“最美家庭”“好媳妇好婆婆”等评选活动",
         "加大宣传力度，引导群众自觉抵制高价彩礼、大操大办等陈规陋习"],
        "要坚持教育引导、实践养成、制度保障三管齐下，推动形成文明乡风",
        "志愿者向群众发放移风易俗倡议书，宣讲文明节俭办理红白喜事的好做法",
        "村规民约修订和红白理事会运行等情况",
        "持续深化移风易俗工作，助力乡风文明建设"),
    "veteran": Topic(
        "退役军人服务保障",
        "做好退役军人服务保障工作，是让军人成为全社会尊崇职业的重要举措",
        ["落实退役军人各项优待抚恤政策，确保按时足额发放",
         "开展常态化联系退役军人工作，逢年过节走访慰问",
         "做好退役军人就业创业服务",
         "规范村级退役军人服务站建设"],
        "要用心用情用力做好退役军人服务保障工作",
        "工作人员走访慰问退役军人和优抚对象，送去慰问金和慰问品",
        "优抚政策落实和服务站规范化建设等情况",
        "持续提升退役军人服务保障水平"),
    "health": Topic(
        "家庭医生签约服务",
        "家庭医生签约服务是提高基层医疗服务能力、保障群众健康的重要举措",
        ["重点做好老年人、慢性病患者、孕产妇等人群的签约服务",
         "定期开展随访和健康体检，建立完善居民健康档案",
         "组织医务人员下村开展义诊和健康知识讲座",
         "推动优质医疗资源下沉，提升村卫生室服务能力"],
        "要让群众在家门口就能享受到优质便捷的医疗服务",
        "医务人员为群众免费测量血压、血糖，提供健康咨询，并发放健康教育资料",
        "签约服务开展和村卫生室运行等情况",
        "不断提升基层医疗卫生服务水平"),
    "law": Topic(
        "普法宣传",
        "法治宣传教育是全面依法治国的基础性工作",
        ["深入宣传宪法、民法典以及与群众生产生活密切相关的法律法规",
         "发挥村（居）法律顾问作用，为群众提供法律咨询",
         "推进“法律明白人”培养工程",
         "加强矛盾纠纷排查化解，把矛盾纠纷化解在基层"],
        "要推动形成办事依法、遇事找法、解决问题用法、化解矛盾靠法的良好氛围",
        "法律顾问现场解答群众关于土地承包、婚姻家庭、劳动报酬等方面的法律问题",
        "法治宣传阵地建设和矛盾纠纷调处等情况",
        "持续深化法治宣传教育，提升群众法治意识"),
    "water": Topic(
        "农村饮水安全",
        "农村饮水安全是群众最关心最直接最现实的利益问题",
        ["全面排查农村供水工程运行情况，及时维修管网设施",
         "加强水源地保护和水质检测，确保群众喝上放心水",
         "落实供水工程管护主体和管护责任",
         "建立饮水问题快速响应机制，做到群众反映问题及时解决"],
        "要把保障群众饮水安全作为重要民生实事抓紧抓好",
        "技术人员现场检测水质，检查供水管网和蓄水池运行情况",
        "供水工程运行、水源保护和水质检测等情况",
        "持续巩固提升农村供水保障水平"),
    "road": Topic(
        "农村公路建设",
        "农村公路是群众出行的基础设施，也是发展产业的重要支撑",
        ["加快推进通组公路硬化和危桥改造项目建设",
         "严格落实工程质量监管，确保建一条、成一条",
         "完善农村公路养护机制，落实路长制",
         "加强道路沿线安全设施建设"],
        "要把农村公路建好、管好、护好、运营好",
        "技术人员查看路面施工质量，向沿线群众了解出行需求",
        "施工质量、工程进度和养护管理等情况",
        "持续推进“四好农村路”建设，方便群众出行"),
    "dispute": Topic(
        "矛盾纠纷排查化解",
        "排查化解矛盾纠纷是维护社会和谐稳定的基础性工作",
        ["以村（社区）为单位开展拉网式排查，做到早发现、早报告、早处置",
         "对排查出的矛盾纠纷逐件明确责任人和化解时限",
         "发挥人民调解员、网格员作用，把矛盾化解在萌芽状态",
         "对重点信访事项实行领导包案"],
        "要坚持和发展新时代“枫桥经验”，做到小事不出村、大事不出镇",
        "调解员上门走访，面对面听取当事人诉求并释法明理",
        "矛盾纠纷排查台账和调处化解等情况",
        "持续深化矛盾纠纷排查化解，维护社会和谐稳定"),
    "census": Topic(
        "第七次全国人口普查",
        "人口普查是一项重大的国情国力调查，数据质量是人口普查的生命线",
        ["做好普查区划分和绘图工作，确保不重不漏",
         "严格按照方案要求开展入户登记，确保数据真实准确",
         "依法保护普查对象个人信息",
         "加强普查员、普查指导员培训"],
        "要确保普查数据真实准确、完整可靠",
        "普查员携带证件入户登记，向群众宣传人口普查的意义",
        "普查登记进度和数据质量等情况",
        "扎实做好普查登记和复查工作",
        "《全国人口普查条例》"),
}

PARTY_TOPICS: dict[str, Topic] = {
    "study": Topic(
        "党委理论学习中心组学习",
        "要深入学习贯彻党的二十大精神，切实把思想和行动统一到上级决策部署上来",
        ["原原本本学、全面系统学，坚持学思用贯通、知信行统一",
         "把学习成果转化为推动工作的实际成效",
         "结合实际开展调查研究，解决群众急难愁盼问题"],
        "要在学懂弄通做实上下功夫，推动各项工作落地见效",
        "与会人员围绕学习内容逐一交流发言",
        "学习笔记和研讨交流等情况",
        "持续推动理论学习走深走实"),
    "winter": Topic(
        "党员冬训",
        "冬训是加强党员教育管理、提升党员素质的重要途径",
        ["围绕学习党的创新理论、涉农惠农政策等内容开展集中培训",
         "组织党员开展志愿服务活动",
         "严格考勤，确保每名党员参训"],
        "要通过冬训切实提升党员干部的政治素质和履职能力",
        "授课老师结合身边事例讲解党的创新理论和惠农政策",
        "冬训组织和党员参训等情况",
        "把冬训成果转化为推动乡村振兴的强大动力"),
    "july1": Topic(
        "庆祝中国共产党成立纪念日",
        "要始终保持共产党员的先进性和纯洁性，在本职岗位上发挥先锋模范作用",
        ["重温入党誓词，坚定理想信念",
         "走访慰问老党员、生活困难党员",
         "表彰优秀共产党员和先进基层党组织"],
        "全体党员要以先进为榜样，立足岗位、担当作为",
        "全体党员面向党旗重温入党誓词",
        "党组织活动开展情况",
        "持续加强基层党组织建设"),
    "branch": Topic(
        "主题党日",
        "主题党日活动是严格党的组织生活、加强党员教育管理的重要载体",
        ["规范“三会一课”制度",
         "结合实际开展志愿服务",
         "按时足额缴纳党费"],
        "要进一步发挥党支部战斗堡垒作用和党员先锋模范作用",
        "党员志愿者开展环境卫生清理和政策宣传活动",
        "支部组织生活开展情况",
        "推动主题党日活动常态化制度化"),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国志强伟明秀英桂兰德华玉珍国庆海燕丽娟红梅小平晓东春生文军永红爱民冬梅金凤立新少华卫东"
GIVEN_SINGLE = "勇军杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳亮成敏静丽艳娟霞燕芳玲"


def person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.55:
        i = rng.randrange(0, len(GIVEN) // 2) * 2
        return surname + GIVEN[i:i + 2]
    return surname + rng.choice(GIVEN_SINGLE)


def masked(name: str) -> str:
    """张** / 王*华, as public notices print names."""
    return name[0] + "*" * (len(name) - 1) if len(name) == 2 else name[0] + "*" + name[-1]


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident identity number."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return "10X98765432"[total % 11]


def resident_id(rng: random.Random, division: str, birth: date) -> str:
    first17 = f"{division}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "136", "135", "151", "158", "187", "182"]) + f"{rng.randint(0, 99999999):08d}"


def _pick(rng: random.Random, items: list[str], n: int) -> list[str]:
    return rng.sample(items, min(n, len(items)))


def _leader(rng: random.Random, town: Town) -> tuple[str, str]:
    """(role, name) of the leader attending a meeting or leading an inspection."""
    choices = [(f"{town.secretary_title}", town.secretary),
               (f"{town.unit}党委副书记、{town.head_title}" if town.unit != "街道"
                else "街道党工委副书记、办事处主任", town.head)]
    choices += [(f"{town.unit}党委委员、副{town.head_title}" if town.unit != "街道"
                 else "街道办事处副主任", d) for d in town.deputies]
    return rng.choice(choices)


# ---------------------------------------------------------------- news

def news_body(rng: random.Random, town: Town, topic: Topic, style: str, when: date) -> list:
    role, leader = _leader(rng, town)
    villages = _pick(rng, town.villages, 3)
    first, second, third = (_pick(rng, topic.measures, 3) + ["", "", ""])[:3]
    md = cn_md(when)
    if style == "meeting":
        blocks = [
            ("p", f"{md}，{town.name}召开{topic.name}工作会议，{town.unit}党政班子成员、"
                  f"{town.divisions}主要负责人及{town.offices}负责人参加会议。{role}{leader}出席会议并讲话。"),
            ("p", f"会议传达学习了上级关于{topic.name}工作的部署要求，通报了前一阶段全{town.unit}{topic.name}工作开展情况，"
                  f"并对下一阶段工作进行了安排部署。"),
            ("p", f"会议指出，{topic.why}。全{town.unit}上下要进一步提高思想认识，切实增强责任感和紧迫感。"),
            ("p", f"会议要求，一是{first}；二是{second}；三是{third}。"),
            ("p", f"{leader}强调，{topic.emphasis}。"),
        ]
    elif style == "activity":
        count = rng.choice([300, 500, 600, 800, 1200])
        people = rng.choice([80, 120, 150, 200, 260])
        blocks = [
            ("p", f"{md}，{town.name}在{villages[0]}开展{topic.name}{'' if topic.name.endswith('宣传') else '主题宣传'}活动。"),
            ("p", f"活动现场，工作人员{topic.activity}，并耐心解答群众提出的问题。"),
            ("p", f"此次活动共发放宣传资料{count}余份，接受群众咨询{people}余人次，{topic.effect}。"),
            ("p", f"下一步，{town.name}将{topic.next}。"),
        ]
    elif style == "inspection":
        blocks = [
            ("p", f"{md}，{role}{leader}带队深入{'、'.join(villages[:2])}等地，实地督导检查{topic.name}工作。"),
            ("p", f"每到一处，检查组都详细了解{topic.check}，并查阅相关工作台账，与基层干部群众深入交流。"),
            ("p", f"{leader}要求，{first}；{second}。{topic.emphasis}。"),
            ("p", "检查中发现的问题已现场交办，要求相关村（单位）限期整改到位。"),
        ]
    else:  # progress
        done = rng.randint(82, 99)
        blocks = [
            ("p", f"今年以来，{town.name}紧紧围绕{topic.name}工作目标，{first}，{second}，各项工作取得阶段性成效。"),
            ("p", f"截至{cn_date(when)}，全{town.unit}{topic.name}各项任务已完成{done}%，"
                  f"{villages[0]}、{villages[1]}等村（社区）走在前列。"),
            ("p", f"在推进过程中，{town.name}坚持问题导向，{third}。"),
            ("p", f"下一步，{town.name}将{topic.next}。"),
        ]
    return blocks


def party_body(rng: random.Random, town: Town, topic: Topic, when: date) -> list:
    role, leader = town.secretary_title, town.secretary
    first, second, third = _pick(rng, topic.measures, 3)
    return [
        ("p", f"{cn_md(when)}，{town.name}党委组织开展{topic.name}活动，{role}{leader}参加并讲话。"),
        ("p", f"活动中，{topic.activity}。"),
        ("p", f"{leader}指出，{topic.why}。一是{first}；二是{second}；三是{third}。"),
        ("p", f"{leader}强调，{topic.emphasis}。"),
    ]


# ---------------------------------------------------------------- notices and documents

def notice_body(rng: random.Random, town: Town, topic: Topic, kind: str, issuer: str, when: date,
                year: int | None = None) -> list:
    """A 通知 (to villages and offices) or a 通告 (to the public); `year` is the year the notice is
    about (from its title), else the year it is signed."""
    measures = _pick(rng, topic.measures, 4)
    if kind == "通告":
        blocks = [("p", f"为切实做好{topic.name}工作，保障人民群众生命财产安全，根据{topic.basis}等有关规定，"
                        f"现将有关事项通告如下：")]
    else:
        blocks = [("p", town.recipients),
                  ("p", f"为认真贯彻落实{topic.basis}，扎实做好{year or when.year}年{topic.name}工作，"
                        f"结合我{town.unit}实际，现将有关事项通知如下：")]
    for i, measure in enumerate(measures):
        blocks.append(("p", f"{CN_ORDINALS[i]}、{measure}。"))
    blocks.append(("p", f"{CN_ORDINALS[len(measures)]}、联系人：{person(rng)}，联系电话：{town.phone}。"))
    blocks.append(("p", f"特此{kind}。"))
    blocks.append(("sign", [issuer, cn_date(when)]))
    return blocks


def policy_body(rng: random.Random, town: Town, topic: Topic, doc_title: str, issuer: str,
                written: date) -> list:
    """A cover letter 关于印发《…》的通知 followed by the document itself."""
    measures = topic.measures
    blocks = [("p", town.recipients),
              ("p", f"现将《{doc_title}》印发给你们，请结合实际，认真抓好贯彻落实。"),
              ("sign", [issuer, cn_date(written)]),
              ("center", doc_title),
              ("h", "一、指导思想"),
              ("p", f"以习近平新时代中国特色社会主义思想为指导，认真落实{topic.basis}，坚持以人民为中心的发展思想，"
                    f"扎实推进{topic.name}各项工作，切实维护人民群众的根本利益。"),
              ("h", "二、工作目标"),
              ("p", f"通过{rng.choice(['一年', '两年', '三年'])}努力，{topic.name}工作机制进一步健全，"
                    f"责任体系进一步完善，群众满意度明显提升。"),
              ("h", "三、主要任务")]
    for i, measure in enumerate(measures):
        blocks.append(("p", f"（{CN_ORDINALS[i]}）{measure}。"))
    blocks += [("h", "四、保障措施"),
               ("p", f"（一）加强组织领导。成立由{town.head_title}任组长、分管领导任副组长的{topic.name}工作领导小组，"
                     f"领导小组办公室设在{town.office}。"),
               ("p", "（二）强化督查考核。将工作开展情况纳入年度绩效考核，对工作不力的单位和个人严肃追责。"),
               ("p", "（三）加强宣传引导。充分利用村村响、微信群、宣传栏等载体，营造全社会共同参与的良好氛围。"),
               ("p", "本方案自印发之日起施行。")]
    return blocks


def finance_body(rng: random.Random, town: Town, year: int, kind: str) -> tuple[list, list[list[str]]]:
    """A 预算/决算/三公经费 disclosure; also returns the table rows for the attached sheet."""
    total = rng.randint(1800, 4200) + rng.randint(0, 99) / 100
    basic = round(total * rng.uniform(0.55, 0.7), 2)
    project = round(total - basic, 2)
    trips, cars, hosting = (round(rng.uniform(0, 1.5), 2), round(rng.uniform(2, 9), 2),
                            round(rng.uniform(0.5, 3), 2))
    rows = [["项目", "金额（万元）"], ["收入总计", f"{total:.2f}"], ["其中：一般公共预算拨款收入", f"{total * 0.93:.2f}"],
            ["支出总计", f"{total:.2f}"], ["基本支出", f"{basic:.2f}"], ["项目支出", f"{project:.2f}"],
            ["“三公”经费合计", f"{trips + cars + hosting:.2f}"], ["因公出国（境）费", "0.00"],
            ["公务用车购置及运行维护费", f"{cars:.2f}"], ["公务接待费", f"{hosting:.2f}"]]
    word = {"预算": "预算", "决算": "决算", "三公": "“三公”经费预算"}[kind]
    blocks = [
        ("p", f"根据《中华人民共和国预算法》和《地方预决算公开操作规程》（财预〔2016〕143号）的规定，"
              f"现将{town.gov}{year}年度部门{word}情况公开如下："),
        ("h", "一、部门基本情况"),
        ("p", f"{town.gov}内设{town.office[len(town.name):]}等{rng.randint(5, 8)}个综合办事机构，"
              f"下属财政所、便民服务中心等事业单位，{year}年末在职人员{rng.randint(38, 75)}人。"),
        ("h", f"二、收支{word[:2]}总体情况"),
        ("p", f"{year}年收入{word[:2]}总计{total:.2f}万元，支出{word[:2]}总计{total:.2f}万元。"
              f"其中基本支出{basic:.2f}万元，主要用于保障机构正常运转和人员工资福利；"
              f"项目支出{project:.2f}万元，主要用于农业农村、社会保障和乡村振兴等方面。"),
        ("h", "三、“三公”经费情况"),
        ("p", f"{year}年“三公”经费{word[:2]}{trips + cars + hosting:.2f}万元，其中因公出国（境）费0万元，"
              f"公务用车购置及运行维护费{cars:.2f}万元，公务接待费{hosting:.2f}万元。"),
        ("table", rows),
        ("p", f"如对本公开内容有疑问，请与{town.finance}联系，联系电话：{town.phone}。"),
    ]
    return blocks, rows


def report_body(rng: random.Random, town: Town, year: int) -> list:
    """政府信息公开工作年度报告, in the national template's order."""
    active = rng.randint(120, 380)
    requests_ = rng.randint(0, 4)
    return [
        ("p", f"本报告根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室印发的"
              f"《中华人民共和国政府信息公开工作年度报告格式》要求编制，由总体情况、主动公开政府信息情况、"
              f"收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
              f"其他需要报告的事项六部分组成。本报告所列数据统计期限为{year}年1月1日至{year}年12月31日。"),
        ("h", "一、总体情况"),
        ("p", f"{year}年，{town.gov}认真贯彻落实政府信息公开工作部署，全年通过政府网站主动公开政府信息{active}条，"
              f"其中工作动态{active // 2}条，通知公告{active // 5}条，财政预决算信息{rng.randint(4, 9)}条。"),
        ("h", "二、主动公开政府信息情况"),
        ("table", [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                   ["规章", "0", "0", "0"], ["行政规范性文件", "0", "0", "0"],
                   ["行政许可", str(rng.randint(0, 30)), "—", "—"],
                   ["行政处罚", str(rng.randint(0, 12)), "—", "—"]]),
        ("h", "三、收到和处理政府信息公开申请情况"),
        ("p", f"{year}年共收到政府信息公开申请{requests_}件，均已在法定期限内答复。"),
        ("h", "四、政府信息公开行政复议、行政诉讼情况"),
        ("p", f"{year}年未发生因政府信息公开引起的行政复议和行政诉讼。"),
        ("h", "五、存在的主要问题及改进情况"),
        ("p", "主要问题是部分栏目更新不够及时，信息公开的规范化水平有待提高。下一步，将进一步健全信息发布审核机制，"
              "加强工作人员业务培训，不断提升政务公开质量。"),
        ("h", "六、其他需要报告的事项"),
        ("p", "本年度未收取信息处理费。"),
    ]


@dataclass
class Service:
    name: str
    basis: str
    conditions: str
    materials: list[str]
    limit: str


SERVICES: dict[str, Service] = {
    "pension": Service("城乡居民基本养老保险参保登记",
                       "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
                       "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的城乡居民",
                       ["居民身份证原件", "户口簿原件", "《城乡居民基本养老保险参保登记表》"], "即时办结"),
    "dibao": Service("最低生活保障申请",
                     "《社会救助暂行办法》（国务院令第649号）",
                     "共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况规定",
                     ["申请人及家庭成员居民身份证、户口簿", "家庭收入和财产状况声明", "最低生活保障申请书", "家庭经济状况核对授权书"],
                     "自受理之日起30个工作日"),
    "disability": Service("困难残疾人生活补贴和重度残疾人护理补贴申请",
                          "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
                          "具有本地户籍、持有第二代中华人民共和国残疾人证的困难残疾人或重度残疾人",
                          ["残疾人证原件", "居民身份证、户口簿", "银行账户信息", "申请审批表"], "20个工作日"),
    "house": Service("农村村民住宅用地审批",
                     "《中华人民共和国土地管理法》第六十二条",
                     "本集体经济组织成员，符合“一户一宅”规定，且建房选址符合国土空间规划和村庄规划",
                     ["农村宅基地和建房（规划许可）申请表", "申请人身份证、户口簿", "村民小组会议记录", "建房设计图或通用图"],
                     "20个工作日"),
    "birth": Service("生育登记服务",
                     "《湖南省人口与计划生育条例》",
                     "夫妻双方或一方户籍在本辖区，或在本辖区长期居住",
                     ["夫妻双方居民身份证", "结婚证", "生育登记服务表"], "即时办结"),
    "temporary": Service("临时救助申请",
                         "《社会救助暂行办法》（国务院令第649号）",
                         "因火灾、交通事故等意外事件或家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭或个人",
                         ["临时救助申请书", "申请人身份证、户口簿", "医疗费用票据或受灾证明等材料"], "15个工作日"),
    "elderly": Service("高龄津贴申领",
                       "《湖南省老年人权益保障条例》",
                       "具有本地户籍、年满80周岁的老年人",
                       ["老年人居民身份证、户口簿", "银行卡（存折）复印件", "高龄津贴申请表"], "10个工作日"),
    "veteran": Service("退役军人优待证申领",
                       "《退役军人优待证管理办法》",
                       "在本辖区落户的退役军人和其他优抚对象",
                       ["居民身份证", "退伍证或退役证明", "近期免冠彩色照片", "优待证申领表"], "30个工作日"),
}


def guide_body(town: Town, service: Service) -> list:
    """办事指南 as the table old sites print it."""
    rows = [["事项名称", service.name], ["实施依据", service.basis], ["受理条件", service.conditions],
            ["申请材料", "；".join(f"{i + 1}.{m}" for i, m in enumerate(service.materials))],
            ["办理流程", "申请—受理—审核—审批—办结"], ["办理时限", service.limit], ["收费标准", "不收费"],
            ["办理地点", f"{town.name}便民服务中心"],
            ["办公时间", "周一至周五 上午8:30—12:00，下午14:30—17:30（法定节假日除外）"],
            ["咨询电话", town.phone]]
    return [("p", f"{service.name}办事指南"), ("table", [["项目", "内容"]] + rows)]


@dataclass
class Letter:
    subject: str
    question: str
    answer: str
    office: str          # which office replied, appended to the town name


LETTERS: dict[str, Letter] = {
    "streetlight": Letter("村道路灯损坏无人维修",
                          "我村通往集镇的村道上有好几盏路灯坏了两个多月，晚上出行很不方便，希望有关部门尽快维修。",
                          "您反映的问题已收悉。经核实，该路段路灯因线路老化损坏，我单位已联系施工单位完成线路更换，"
                          "目前路灯已恢复正常照明。感谢您对我们工作的关心和支持。", "经济发展办公室"),
    "water": Letter("家里自来水经常停水",
                    "最近一个月我们组自来水经常停，有时候一停就是一整天，请问是什么原因？",
                    "经现场查看，停水原因为供水主管道破损。目前已完成管道抢修，并对蓄水池进行了清洗消毒。"
                    "今后如遇停水，请拨打供水站值班电话。", "社会事务办公室"),
    "medical": Letter("医保缴费后查不到参保信息",
                      "我在手机上缴纳了今年的城乡居民医保，但在医保APP上查不到参保信息，会不会影响报销？",
                      "缴费信息从税务系统传递到医保系统一般需要3至5个工作日，请您耐心等待。如超过10个工作日仍查询不到，"
                      "请携带身份证到便民服务中心医保窗口查询处理。", "便民服务中心"),
    "garbage": Letter("垃圾清运不及时",
                      "集镇农贸市场旁边的垃圾池经常堆满，气味很大，能不能增加清运次数？",
                      "您反映的情况属实。我单位已协调环卫公司将该处垃圾清运频次由每日一次调整为每日两次，"
                      "并安排保洁员加强周边巡查。欢迎继续监督。", "自然资源和生态环境办公室"),
    "noise": Letter("夜间施工噪音扰民",
                    "小区旁边的工地晚上十一点以后还在施工，严重影响居民休息。",
                    "接到来信后，工作人员立即到现场核查，已责令施工单位严格遵守作业时间，禁止夜间22时至次日6时施工。"
                    "如再发现违规施工，请拨打综合行政执法队电话。", "综合行政执法队"),
    "road": Letter("组级公路什么时候硬化",
                   "我们组到村部的路还是泥巴路，下雨天车辆进不去，请问什么时候能够硬化？",
                   "您所在组的道路已纳入下一年度通组公路硬化项目库，待项目批复后将按程序组织实施。", "经济发展办公室"),
}


def letter_body(town: Town, letter: Letter, writer: str, asked: date, replied: date) -> list:
    return [("table", [["来信人", masked(writer)], ["来信时间", f"{asked:%Y-%m-%d}"],
                       ["来信标题", letter.subject], ["来信内容", letter.question],
                       ["回复单位", town.name + letter.office], ["回复时间", f"{replied:%Y-%m-%d}"],
                       ["回复内容", letter.answer]])]


def open_guide_body(town: Town, org_code: str) -> list:
    """政府信息公开指南."""
    return [
        ("p", "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，结合工作实际，编制本指南。"),
        ("h", "一、主动公开"),
        ("p", f"（一）公开内容。{town.gov}主动公开机构职能、负责人信息、规范性文件、财政预决算、工作动态、"
              f"通知公告、办事指南等政府信息。"),
        ("p", "（二）公开方式。主要通过政府网站公开，同时通过政务公开栏、便民服务中心等途径公开。"),
        ("p", "（三）公开时限。属于主动公开范围的政府信息，自该信息形成或者变更之日起20个工作日内予以公开。"),
        ("h", "二、依申请公开"),
        ("p", f"公民、法人或者其他组织可以向{town.gov}申请获取相关政府信息。申请应当采用书面形式，"
              f"受理机构为{town.office}，地址：{town.extra.get('address', town.name + '人民政府院内')}，"
              f"联系电话：{town.phone}。"),
        ("p", "收到政府信息公开申请，能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起20个工作日内予以答复。"),
        ("h", "三、监督和救济"),
        ("p", "公民、法人或者其他组织认为行政机关在政府信息公开工作中侵犯其合法权益的，可以向上一级行政机关或者"
              "政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼。"),
        ("p", f"（本指南索引代码：{org_code}）"),
    ]


def rules_body(town: Town, rule: str) -> list:
    """政府信息公开制度: 保密审查 / 发布协调 / 考核."""
    texts = {
        "保密审查": [
            "第一条 为规范政府信息公开保密审查工作，防止泄露国家秘密、工作秘密和个人隐私，制定本制度。",
            f"第二条 {town.gov}拟公开的政府信息，应当在公开前依照《中华人民共和国保守国家秘密法》进行保密审查。",
            "第三条 保密审查实行“谁公开、谁审查、谁负责”和“先审查、后公开”的原则，实行拟稿人初审、分管领导复审、主要领导终审的三级审核制度。",
            "第四条 涉及公民身份证号码、联系电话、家庭住址等个人信息的，应当进行去标识化处理后方可公开。",
            "第五条 本制度自印发之日起施行。"],
        "发布协调": [
            "第一条 为加强政府信息发布的协调工作，确保发布的政府信息准确一致，制定本制度。",
            "第二条 拟发布的政府信息涉及其他单位的，应当与有关单位进行沟通、确认。",
            "第三条 各办（站、所）应当指定专人负责本单位政府信息的收集、报送工作。",
            "第四条 本制度自印发之日起施行。"],
        "考核": [
            "第一条 为推进政府信息公开工作规范化，制定本制度。",
            "第二条 政府信息公开工作纳入年度绩效考核，考核结果作为评先评优的重要依据。",
            "第三条 对不依法履行政府信息公开义务的，依照有关规定追究责任。",
            "第四条 本制度自印发之日起施行。"],
    }
    return [("p", text) for text in texts[rule]]


# ---------------------------------------------------------------- dispatch

def compose(spec: str, town: Town, rng: random.Random, *, title: str, published: datetime,
            written: date | None = None, issuer: str | None = None) -> list:
    """Blocks of an article described by a short spec such as ``news:forest:meeting``."""
    kind, *args = spec.split(":")
    when = published.date()
    issuer = issuer or town.gov
    if kind == "news":
        return news_body(rng, town, TOPICS[args[0]], args[1], when)
    if kind == "party":
        return party_body(rng, town, PARTY_TOPICS[args[0]], when)
    if kind == "notice":
        year = re.search(r"(20\d\d)年", title)
        return notice_body(rng, town, TOPICS[args[0]], args[1], issuer, written or when,
                           int(year.group(1)) if year else None)
    if kind in ("policy", "plan"):
        doc_title = title.split("《", 1)[1].rsplit("》", 1)[0] if "《" in title else title
        blocks = policy_body(rng, town, TOPICS[args[0]], doc_title, issuer, written or when)
        return blocks if kind == "policy" else blocks[4:] + [("sign", [issuer, cn_date(written or when)])]
    if kind == "finance":
        return finance_body(rng, town, int(args[1]), args[0])[0]
    if kind == "report":
        return report_body(rng, town, int(args[0]))
    if kind == "guide":
        return guide_body(town, SERVICES[args[0]])
    if kind == "letter":
        asked = when - timedelta(days=rng.randint(3, 9))
        return letter_body(town, LETTERS[args[0]], person(rng), asked, when)
    if kind == "open_guide":
        return open_guide_body(town, args[0] if args else "")
    if kind == "rules":
        return rules_body(town, args[0])
    raise ValueError(f"unknown article spec {spec!r}")


# The county notice both taoyuan and qingshi reposted (same text on both sites).
COUNTY_NOTICE = {
    "title": "云溪县人民政府办公室关于做好2023年元旦春节期间有关工作的通知",
    "doc_no": "云政办发〔2022〕45号",
    "org": "云溪县人民政府办公室",
    "written": date(2022, 12, 16),
    "blocks": [
        ("p", "各乡镇人民政府、街道办事处，县政府各部门："),
        ("p", "2023年元旦、春节即将来临。为确保全县人民群众度过欢乐祥和、安全文明的节日，经县人民政府同意，"
              "现就做好节日期间有关工作通知如下："),
        ("p", "一、切实保障群众生活。各地各部门要加强重要民生商品产销衔接和市场监测，确保节日期间市场供应充足、"
              "价格基本稳定。要认真落实困难群众救助政策，及时足额发放各类救助资金，确保困难群众温暖过节。"),
        ("p", "二、全力抓好安全生产。要深入开展安全生产隐患排查整治，突出道路交通、消防、燃气、烟花爆竹、"
              "建筑施工等重点领域，坚决防范遏制重特大事故发生。"),
        ("p", "三、做好森林防灭火工作。节日期间祭祀用火、燃放烟花爆竹增多，各地要加强巡山护林和火源管控，"
              "严防森林火灾发生。"),
        ("p", "四、维护社会和谐稳定。要深入开展矛盾纠纷排查化解，及时妥善处置群众反映的问题，"
              "切实做好根治欠薪工作，确保农民工按时足额拿到工资。"),
        ("p", "五、严格值班值守。节日期间要严格执行领导带班和24小时值班制度，遇有重大突发事件要按规定及时报告、"
              "妥善处置。"),
        ("sign", ["云溪县人民政府办公室", "2022年12月16日"]),
    ],
}
