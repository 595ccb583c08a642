"""Data tables of the demo generator: trees, small lists, names, places (all fictitious)."""

from itertools import accumulate


def _tokens(text: str) -> list[str]:
    return text.split()


def _split_pinyin(token: str) -> tuple[str, str]:
    """``"欧阳ouyang"`` → ``("欧阳", "ouyang")``."""
    cut = next(i for i, ch in enumerate(token) if ch.isascii())
    return token[:cut], token[cut:]


# fmt: off
# ── Trees and small lists ───────────────────────────────────────────────────────────────────
CLASS_TREE = (
    ("01", "批发客户"), ("0101", "华东批发"), ("0102", "华南批发"), ("0103", "华北及东北批发"),
    ("0104", "中西部批发"),
    ("02", "零售客户"), ("0201", "连锁商超"), ("0202", "专卖店"), ("0203", "电商平台"),
    ("03", "行业客户"), ("0301", "战略大客户"), ("0302", "工程项目客户"), ("0303", "政企客户"),
    ("04", "海外客户"), ("0401", "亚太客户"), ("0402", "欧美客户"),
)
# big region → wholesale class; big region → sales department (others: 销售二部)
WHOLESALE_CLASS = {"01": "0103", "02": "0101", "03": "0102", "04": "0104", "05": "0104",
                   "06": "0104", "07": "0103"}
SALES_DEPARTMENT = {"02": "01", "03": "01"}
# GB/T 4754-2017 sections (门类): the letter is the code.
INDUSTRIES = (
    ("A", "农、林、牧、渔业"), ("C", "制造业"), ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"), ("F", "批发和零售业"), ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"), ("I", "信息传输、软件和信息技术服务业"), ("K", "房地产业"),
    ("M", "科学研究和技术服务业"), ("Q", "卫生和社会工作"), ("R", "文化、体育和娱乐业"),
)
DEPARTMENTS = (("01", "销售一部"), ("02", "销售二部"), ("03", "大客户部"), ("04", "海外部"),
               ("05", "财务部"))
# code, name, department, e-mail, mobile, the demo login it belongs to
SALESPEOPLE = (
    ("S01", "王磊", "01", "wanglei@example.com", "13857101234", "sales1"),
    ("S02", "李娜", "01", "lina@example.com", "13916602345", None),
    ("S03", "张伟", "02", "zhangwei@example.com", "13701103456", "sales2"),
    ("S04", "刘洋", "02", "liuyang@example.com", "15802704567", None),
    ("S05", "陈静", "03", "chenjing@example.com", "18602105678", None),
    ("S06", "杨帆", "03", "yangfan@example.com", "13661806789", None),
    ("S07", "赵敏", "04", "zhaomin@example.com", "13564407890", None),
)
PAYMENT_TERMS = (
    ("01", "现款现货", "n/0"), ("02", "月结30天", "n/30"),
    ("03", "10天内付款优惠2%，30天付清", "2/10,n/30"),
    ("04", "10天优惠2%、20天优惠1%，60天付清", "2/10,1/20,n/60"),
    ("05", "月结60天", "n/60"), ("06", "月结90天", "n/90"),
    # as the sample workbook (and many ERPs' exports) write them
    ("07", "20天内付款优惠1%，45天付清", "1/20,n/45"), ("08", "款到发货", "n/0"),
)
SHIPPING_METHODS = (("01", "公路运输"), ("02", "铁路运输"), ("03", "快递"), ("04", "自提"),
                    ("05", "海运"), ("06", "空运"))
USER_FIELDS = (
    {"key": "source", "label_zh": "客户来源", "label_en": "Source", "field_type": "choice",
     "choices": ["展会", "老客户介绍", "网络推广", "电话营销", "招投标", "上门拜访"],
     "group": "other", "position": 1},
    {"key": "invoice_type", "label_zh": "发票类型", "label_en": "Invoice type",
     "field_type": "choice", "choices": ["增值税专用发票", "增值税普通发票", "形式发票"],
     "group": "credit", "position": 1},
    {"key": "purchase_budget", "label_zh": "年采购预算(万元)",
     "label_en": "Annual purchase budget (10k)", "field_type": "number", "group": "other",
     "position": 2},
)

# Big regions; provinces as "code 简称 全称 weight"; indented, their cities as
# "name, GB/T 2260 division code, telephone area code, postal code, districts...".
_REGION_TEXT = """
01 华北
0101 北京 北京市 6
  北京 110105 010 100020 朝阳区 海淀区 丰台区 大兴区 顺义区
0102 天津 天津市 3
  天津 120116 022 300450 滨海新区 南开区 河西区 西青区
0103 河北 河北省 3
  石家庄 130100 0311 050000 长安区 桥西区 裕华区
  唐山 130200 0315 063000 路北区 路南区 丰润区
  保定 130600 0312 071000 竞秀区 莲池区
0104 山西 山西省 2
  太原 140100 0351 030000 小店区 迎泽区 万柏林区
0105 内蒙古 内蒙古自治区 1
  呼和浩特 150100 0471 010000 赛罕区 新城区
  包头 150200 0472 014000 昆都仑区 青山区
02 华东
0201 上海 上海市 10
  上海 310115 021 200120 浦东新区 闵行区 嘉定区 松江区 徐汇区
0202 江苏 江苏省 10
  南京 320100 025 210000 江宁区 鼓楼区 建邺区 栖霞区
  苏州 320500 0512 215000 工业园区 吴中区 相城区 姑苏区
  无锡 320200 0510 214000 新吴区 滨湖区 梁溪区
  常州 320400 0519 213000 武进区 新北区 天宁区
0203 浙江 浙江省 10
  杭州 330100 0571 310000 西湖区 滨江区 余杭区 萧山区 拱墅区
  宁波 330200 0574 315000 鄞州区 北仑区 江北区 海曙区
  温州 330300 0577 325000 鹿城区 龙湾区 瓯海区
  绍兴 330600 0575 312000 越城区 柯桥区 上虞区
0204 安徽 安徽省 3
  合肥 340100 0551 230000 蜀山区 包河区 庐阳区
  芜湖 340200 0553 241000 镜湖区 鸠江区
0205 福建 福建省 5
  福州 350100 0591 350000 鼓楼区 台江区 仓山区
  厦门 350200 0592 361000 思明区 湖里区 集美区
  泉州 350500 0595 362000 丰泽区 鲤城区 晋江市
0206 山东 山东省 7
  济南 370100 0531 250000 历下区 槐荫区 天桥区
  青岛 370200 0532 266000 市南区 黄岛区 城阳区 李沧区
  烟台 370600 0535 264000 芝罘区 莱山区
0207 江西 江西省 2
  南昌 360100 0791 330000 红谷滩区 东湖区 青山湖区
03 华南
0301 广东 广东省 14
  广州 440100 020 510000 天河区 越秀区 海珠区 番禺区 白云区
  深圳 440300 0755 518000 南山区 福田区 宝安区 龙岗区
  东莞 441900 0769 523000 南城街道 长安镇 松山湖
  佛山 440600 0757 528000 禅城区 南海区 顺德区
0302 广西 广西壮族自治区 2
  南宁 450100 0771 530000 青秀区 西乡塘区 江南区
  柳州 450200 0772 545000 城中区 柳南区
0303 海南 海南省 1
  海口 460100 0898 570000 龙华区 美兰区
04 华中
0401 河南 河南省 4
  郑州 410100 0371 450000 金水区 中原区 二七区 管城回族区
  洛阳 410300 0379 471000 洛龙区 西工区
0402 湖北 湖北省 4
  武汉 420100 027 430000 江汉区 武昌区 洪山区 汉阳区
  宜昌 420500 0717 443000 西陵区 伍家岗区
0403 湖南 湖南省 3
  长沙 430100 0731 410000 岳麓区 芙蓉区 天心区 雨花区
  株洲 430200 0731 412000 天元区 芦淞区
05 西南
0501 重庆 重庆市 3
  重庆 500103 023 400010 渝中区 江北区 九龙坡区 渝北区
0502 四川 四川省 4
  成都 510100 028 610000 武侯区 锦江区 高新区 青羊区
  绵阳 510700 0816 621000 涪城区 游仙区
0503 贵州 贵州省 1
  贵阳 520100 0851 550000 南明区 云岩区 观山湖区
0504 云南 云南省 2
  昆明 530100 0871 650000 五华区 盘龙区 官渡区
06 西北
0601 陕西 陕西省 3
  西安 610100 029 710000 雁塔区 未央区 碑林区 长安区
  宝鸡 610300 0917 721000 渭滨区 金台区
0602 甘肃 甘肃省 1
  兰州 620100 0931 730000 城关区 七里河区
0603 宁夏 宁夏回族自治区 1
  银川 640100 0951 750000 金凤区 兴庆区
0604 新疆 新疆维吾尔自治区 1
  乌鲁木齐 650100 0991 830000 天山区 沙依巴克区 新市区
07 东北
0701 辽宁 辽宁省 3
  沈阳 210100 024 110000 和平区 沈河区 浑南区 铁西区
  大连 210200 0411 116000 中山区 甘井子区 金州区
0702 吉林 吉林省 1
  长春 220100 0431 130000 朝阳区 南关区 绿园区
0703 黑龙江 黑龙江省 2
  哈尔滨 230100 0451 150000 南岗区 道里区 香坊区
  大庆 230600 0459 163000 萨尔图区 让胡路区
08 海外
0801 亚太 亚太 0
0802 欧洲 欧洲 0
0803 北美 北美 0
"""

# ── Name parts ──────────────────────────────────────────────────────────────────────────────
# 字号 characters with pinyin (for web and mail domains); no 国: a name may not say 中国.
_ZIHAO = tuple(dict(_split_pinyin(t) for t in _tokens("""
华hua 鑫xin 泰tai 锐rui 恒heng 达da 宏hong 信xin 通tong 盛sheng 源yuan 德de 兴xing 瑞rui 佳jia
联lian 创chuang 新xin 安an 康kang 金jin 宇yu 天tian 海hai 永yong 东dong 方fang 明ming 光guang
辉hui 正zheng 中zhong 宝bao 丰feng 利li 昌chang 隆long 顺shun 和he 合he 美mei 嘉jia 博bo 汇hui
远yuan 航hang 展zhan 立li 诚cheng 晟sheng 科ke 凯kai 运yun 骏jun 腾teng 飞fei 龙long 祥xiang
福fu 荣rong 久jiu 长chang 益yi 民min 众zhong 广guang 大da 同tong 力li 威wei 雅ya 峰feng
卓zhuo 越yue 启qi 元yuan 亿yi 万wan 星xing 阳yang 云yun 润run 泽ze 江jiang 湖hu 山shan 林lin
森sen 恩en 乐le 欣xin 景jing 晨chen 曦xi 睿rui 智zhi 豪hao 杰jie 俊jun 优you 品pin 冠guan
宸chen 奥ao 普pu 特te 伟wei 诺nuo 赛sai 迪di 思si 拓tuo 帆fan 驰chi 鼎ding 坤kun 乾qian 吉ji
聚ju 鸿hong 彩cai 虹hong 青qing 蓝lan 铭ming 钰yu 麒qi 麟lin 翔xiang 宁ning 家jia 泓hong
浩hao 洋yang 沃wo 澳ao 亚ya 欧ou 维wei 易yi 捷jie 迅xun 精jing 工gong 邦bang 凡fan 锦jin
绣xiu 春chun 秋qiu 松song 柏bai 竹zhu 梅mei 兰lan 菱ling 申shen 沪hu 浙zhe 苏su 粤yue 闽min
蜀shu 楚chu 燕yan 齐qi 鲁lu 皖wan 赣gan 湘xiang 渝yu 辰chen 亨heng 昇sheng 铂bo 银yin 铁tie
钢gang 硕shuo 伦lun 尚shang 臻zhen 致zhi 朗lang 彤tong 炜wei 煜yu 焱yan 淼miao
""")).items())
# industry word | its English (overseas names, domains; _ for a space) | industry code
_WORDS = tuple(tuple(t.replace("_", " ").split("|")) for t in _tokens("""
机械|Machinery|C 电气|Electric|C 五金|Hardware|C 模具|Mould|C 精密|Precision|C 塑胶|Plastics|C
纺织|Textile|C 服饰|Apparel|C 家居|Home|C 家具|Furniture|C 电子|Electronics|C 电器|Appliance|C
化工|Chemical|C 新材料|Materials|C 汽车配件|Auto_Parts|C 包装|Packaging|C 印刷|Printing|C
食品|Foods|C 光电|Optoelectronics|C 仪器仪表|Instruments|C 轴承|Bearing|C 阀门|Valve|C
泵业|Pumps|C 线缆|Cable|C 照明|Lighting|C 玩具|Toys|C 卫浴|Sanitary|C 陶瓷|Ceramics|C
贸易|Trading|F 商贸|Commerce|F 百货|Department_Store|F 超市|Supermarket|F 供应链|Supply_Chain|F
进出口|Import_Export|F 五金交电|Hardware_Trading|F 日用品|Household|F 建材|Building_Materials|F
医药连锁|Pharmacy|F 建设|Construction|E 建筑工程|Building|E 装饰|Decoration|E 园林|Landscape|E
幕墙|Curtain_Wall|E 信息技术|Information_Technology|I 软件|Software|I 网络科技|Network|I
电子科技|Electronic_Technology|I 数据|Data|I 智能科技|Smart_Technology|I 通信|Communications|I
物流|Logistics|G 运输|Transport|G 仓储|Warehousing|G 航运|Shipping|G 餐饮|Catering|H
酒店管理|Hotel_Management|H 置业|Property|K 物业管理|Property_Services|K 检测|Testing|M
环保科技|Environmental|M 生物科技|Biotech|M 工程设计|Design|M 医疗|Medical|Q
健康管理|Health|Q 农业|Agriculture|A 生态农业|Eco_Farming|A 水产|Aquatic|A 能源|Energy|D
新能源|New_Energy|D 燃气|Gas|D 文化传媒|Media|R 广告|Advertising|R 影视|Film|R
"""))
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司")
LARGE_FORMS = ("股份有限公司", "集团有限公司", "有限公司")
SHOP_FORMS = ("商行", "经营部")
_SHOP_WORDS = frozenset(("贸易", "商贸", "百货", "五金交电", "日用品", "建材", "超市"))
_SURNAMES = tuple(_split_pinyin(t) for t in _tokens("""
王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu
胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng
邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 袁yuan 潘pan 于yu 蒋jiang 蔡cai 余yu 杜du
叶ye 程cheng 苏su 魏wei 吕lv 丁ding 任ren 沈shen 姚yao 卢lu 姜jiang 崔cui 钟zhong 谭tan
陆lu 汪wang 范fan 金jin 石shi 廖liao 贾jia 夏xia 韦wei 方fang 白bai 邹zou 孟meng 熊xiong
秦qin 邱qiu 江jiang 尹yin 薛xue 段duan 雷lei 侯hou 龙long 史shi 陶tao 黎li 贺he 顾gu
毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 武wu 戴dai 孔kong 汤tang 欧阳ouyang 司马sima
"""))
# given-name characters, male-leaning then female-leaning
_GIVEN = (tuple(_split_pinyin(t) for t in _tokens("""
伟wei 强qiang 磊lei 军jun 勇yong 杰jie 涛tao 斌bin 超chao 明ming 刚gang 平ping 辉hui 鹏peng
华hua 飞fei 鑫xin 波bo 宇yu 浩hao 凯kai 健jian 俊jun 帆fan 旭xu 宁ning 龙long 林lin 峰feng
建jian 志zhi 文wen 海hai 洋yang 博bo 亮liang 成cheng 东dong 晨chen 毅yi 昊hao 轩xuan 睿rui
国guo 庆qing 永yong
""")), tuple(_split_pinyin(t) for t in _tokens("""
芳fang 娜na 敏min 静jing 丽li 艳yan 娟juan 霞xia 秀xiu 玲ling 燕yan 婷ting 雪xue 琳lin 晶jing
颖ying 倩qian 慧hui 洁jie 莉li 萍ping 红hong 梅mei 兰lan 丹dan 佳jia 欣xin 怡yi 悦yue 璐lu
雯wen 菲fei 琪qi 蕾lei 瑶yao 晓xiao 思si 雨yu 春chun 玉yu
""")))

# ── Contact, bank and document parts ────────────────────────────────────────────────────────
_TITLES_FIRST = (("总经理", "总经办"), ("采购经理", "采购部"), ("副总经理", "总经办"),
                 ("采购总监", "采购部"))
_TITLES_MORE = (("财务经理", "财务部"), ("会计", "财务部"), ("出纳", "财务部"),
                ("采购专员", "采购部"), ("仓库主管", "仓储部"), ("技术经理", "技术部"),
                ("商务专员", "商务部"))
_CONTACT_NOTES = ("负责每月对账", "周末请勿来电", "习惯邮件沟通", "新品推荐请先联系", "", "", "")
_ROADS = ("人民路", "解放路", "中山路", "建设路", "新华路", "和平路", "文化路", "科技路",
          "创业路", "工业大道", "发展大道", "环城东路", "迎宾大道", "学府路", "滨河路", "长江路",
          "振兴路", "东风路", "建国路", "青年路")
_PARKS = ("物流园", "工业园", "产业园", "仓储中心")
_BANKS = (("中国工商银行", 19), ("中国农业银行", 19), ("中国银行", 12), ("中国建设银行", 20),
          ("交通银行", 21), ("招商银行", 15), ("浦发银行", 16), ("中信银行", 19),
          ("兴业银行", 18), ("中国民生银行", 16), ("平安银行", 14))
_BANK_BRANCHES = ("分行营业部", "高新支行", "城东支行", "城西支行", "开发区支行", "中山路支行",
                  "人民路支行", "科技园支行")
_MOBILE_PREFIXES = tuple(_tokens("""
130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177
180 181 182 183 185 186 187 188 189 191 198 199
"""))
_MAIL_BOXES = ("info", "sales", "service", "purchase", "contact", "office")
_REMARKS = ("年度框架协议客户", "需提前一天预约送货", "每月25日对账", "只开增值税专用发票",
            "节假日暂停收货", "由原代理商转入")
_PRICE_LEVELS = {"01": "批发价", "02": "零售价", "03": "大客户价", "04": "出口价"}
# industry → permit, number prefix, years valid, issuer ({city} / {province} filled in)
_PERMITS = {
    "F": ("食品经营许可证", "JY1", 5, "{city}市场监督管理局"),
    "H": ("食品经营许可证", "JY2", 5, "{city}市场监督管理局"),
    "Q": ("医疗器械经营许可证", "YJ", 5, "{city}市场监督管理局"),
    "E": ("建筑业企业资质证书", "D2", 5, "{province}住房和城乡建设厅"),
    "G": ("道路运输经营许可证", "YS", 4, "{city}交通运输局"),
    "C": ("安全生产许可证", "AQ", 3, "{province}应急管理厅"),
}

# ── Credit ──────────────────────────────────────────────────────────────────────────────────
_GRADES = ("AAA", "AA", "A", "B", "C")
_GRADE_CUM = list(accumulate((8, 22, 38, 22, 10)))
_GRADE_RULES = {  # credit limit in ‰ of revenue, payment terms, discount rates (%)
    "AAA": (50, ("05", "06", "04"), (5, 8, 10)),
    "AA": (30, ("05", "04", "02"), (3, 5, 8)),
    "A": (20, ("02", "03", "04"), (0, 2, 3, 5)),
    "B": (10, ("02", "03"), (0, 2)),
    "C": (5, ("01",), (0,)),
}
_CURRENCY_SCALE = {"CNY": 1, "USD": 0.14, "EUR": 0.13, "JPY": 20}

# ── Overseas: region, class, currency, cities (name, postal code, phone prefix, street),
# company forms, banks, people, company registry ─────────────────────────────────────────────
_OVERSEAS = {
    "US": ("0803", "0402", "USD", (("Los Angeles, CA", "90012", "+1 213-555-", "Harbor Blvd"),
                                   ("Chicago, IL", "60606", "+1 312-555-", "Wacker Drive"),
                                   ("Houston, TX", "77002", "+1 713-555-", "Main Street")),
           ("Inc.", "LLC", "Corp."), ("Bank of America", "JPMorgan Chase Bank", "Wells Fargo"),
           ("James Miller", "Emily Davis", "Robert Wilson", "Sarah Johnson", "David Brown"),
           "Delaware Division of Corporations"),
    "DE": ("0802", "0402", "EUR", (("Hamburg", "20095", "+49 40 3070", "Hafenstraße"),
                                   ("München", "80331", "+49 89 2180", "Leopoldstraße"),
                                   ("Frankfurt am Main", "60311", "+49 69 2400", "Zeil")),
           ("GmbH", "AG", "GmbH & Co. KG"), ("Deutsche Bank", "Commerzbank"),
           ("Lukas Schmidt", "Anna Fischer", "Jonas Weber", "Julia Wagner", "Felix Becker"),
           "Handelsregister"),
    "JP": ("0801", "0401", "JPY", (("Tokyo", "100-0005", "+81 3-5218-", "Marunouchi"),
                                   ("Osaka", "530-0001", "+81 6-6345-", "Umeda")),
           ("Co., Ltd.", "Corporation"), ("MUFG Bank", "Mizuho Bank"),
           ("Hiroshi Sato", "Yuki Suzuki", "Kenji Takahashi", "Naoko Tanaka", "Akira Ito"),
           "Legal Affairs Bureau"),
    "SG": ("0801", "0401", "USD", (("Singapore", "079903", "+65 6224 ", "Anson Road"),),
           ("Pte. Ltd.",), ("DBS Bank", "OCBC Bank", "UOB"),
           ("Tan Wei Ming", "Lim Jia Hui", "Marcus Lee", "Rachel Ng", "Kelvin Ong"), "ACRA"),
}
_OVERSEAS_COUNTRIES = ("US", "DE", "JP", "SG", "US", "JP")
_OVERSEAS_TLD = {"US": "com", "DE": "de", "JP": "co.jp", "SG": "com.sg"}
_OVERSEAS_TITLES = ("CEO", "Purchasing Manager", "Accounts Payable", "Logistics Coordinator")
_EIN_PREFIXES = ("20", "26", "27", "45", "46", "47", "81", "82", "83", "84")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_NUMBER_SPACE = 10**8
_ORG_NUMBER_STEP = 61_803_399  # coprime with 10**8, so serial → number is one-to-one
# fmt: on


class _City:
    __slots__ = ("area", "districts", "division", "name", "postal", "province")

    def __init__(self, province, name, division, area, postal, districts):
        self.province, self.name, self.division = province, name, division
        self.area, self.postal, self.districts = area, postal, districts


class _Province:
    __slots__ = ("address_prefix", "big", "cities", "code", "full", "name")

    def __init__(self, big, code, name, full):
        self.big, self.code, self.name, self.full, self.cities = big, code, name, full, []
        # A municipality's addresses start 上海市浦东新区, a province's 浙江省杭州市西湖区.
        self.address_prefix = full if full == f"{name}市" else None


def _parse_regions():
    tree, provinces, weights = [], [], []
    big = province = None
    for line in _REGION_TEXT.strip().splitlines():
        parts = line.split()
        if line.startswith("  "):
            name, division, area, postal, *districts = parts
            province.cities.append(_City(province, name, division, area, postal, districts))
        elif len(parts[0]) == 2:
            big = parts[0]
            tree.append((parts[0], parts[1]))
        else:
            province = _Province(big, *parts[:3])
            tree.append((parts[0], parts[1]))
            if int(parts[3]):  # 海外 holds no Chinese customers
                provinces.append(province)
                weights.append(int(parts[3]))
    return tuple(tree), tuple(provinces), weights


REGION_TREE, _PROVINCES, _PROVINCE_WEIGHTS = _parse_regions()
_CITIES = tuple(city for p in _PROVINCES for city in p.cities)
_PROVINCE_CUM = list(accumulate(_PROVINCE_WEIGHTS))
# Every place a name may start with (provinces and cities): no one begins another.
PLACES = tuple(dict.fromkeys(n for p in _PROVINCES for n in (p.name, *(c.name for c in p.cities))))
INDUSTRY_WORDS = tuple(word for word, _english, _industry in _WORDS)
NAME_CAPACITY = len(_ZIHAO) * (len(_ZIHAO) - 1) * len(_WORDS)
_SLUGS = tuple("".join(ch for ch in english.lower() if ch.isalpha()) for _w, english, _i in _WORDS)
_SURNAME_CUM = list(accumulate(1 / (rank + 3) for rank in range(len(_SURNAMES))))
_TERMS_DAYS = {code: int(text.rsplit("/", 1)[1]) for code, _name, text in PAYMENT_TERMS}
_SALES_BY_DEPARTMENT = {
    code: tuple(p[0] for p in SALESPEOPLE if p[2] == code) for code, _name in DEPARTMENTS
}
_SOURCES = USER_FIELDS[0]["choices"]
_USCC_VALUE = {ch: i for i, ch in enumerate(_USCC_CHARS)}
