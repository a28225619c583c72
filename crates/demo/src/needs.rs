//! What departments of the demo province need from one another: the application scenarios (应用场景,
//! 第十九条) with their legal bases, and, where a provider may refuse, the reasons and the provision it relies
//! on. The texts are what a Hebei clerk would write; the instruments cited are real laws and regulations.

use govshare_domain::share_application::RefusalBasisKind;

/// A provider's refusal: reasons and the provision relied on (第十九条).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusal {
    pub reasons: &'static str,
    pub kind: RefusalBasisKind,
    pub instrument: &'static str,
    pub provision: &'static str,
    /// The requester's objection to this refusal.
    pub objection: &'static str,
}

/// The refusal of personal data beyond what the scenario needs: the usual one.
pub(crate) const MINIMUM_NECESSARY: Refusal = Refusal {
    reasons: "申请信息项超出该应用场景所必需的范围，且未说明数据存储期限和安全保护措施，不符合个人信息处理最小必要原则",
    kind: RefusalBasisKind::Law,
    instrument: "《中华人民共和国个人信息保护法》",
    provision: "第六条",
    objection: "已按最小必要原则逐项说明信息项用途，并补充数据存储期限和安全保护措施说明，申请用途属于本部门法定职责，请协调提供",
};

/// One need: a requester, the entry it needs and why.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Need {
    pub requester: &'static str,
    pub provider: &'static str,
    /// The entry's name (a local copy's name starts with it).
    pub entry: &'static str,
    pub purpose: &'static str,
    pub legal_basis: &'static str,
    pub system: &'static str,
    pub items: &'static [&'static str],
    pub frequency: &'static str,
    /// How the provider refuses, if this need can be refused.
    pub refusal: Option<Refusal>,
    /// The conditions a provider attaches when it agrees.
    pub conditions: Option<&'static str>,
}

/// `who` is requester, provider and entry name.
const fn need(
    who: [&'static str; 3],
    purpose: &'static str,
    legal_basis: &'static str,
    system: &'static str,
    items: &'static [&'static str],
    frequency: &'static str,
) -> Need {
    let [requester, provider, entry] = who;
    Need {
        requester,
        provider,
        entry,
        purpose,
        legal_basis,
        system,
        items,
        frequency,
        refusal: None,
        conditions: None,
    }
}

const fn refusable(mut n: Need, refusal: Refusal, conditions: &'static str) -> Need {
    n.refusal = Some(refusal);
    n.conditions = Some(conditions);
    n
}

const fn agreed(mut n: Need, conditions: &'static str) -> Need {
    n.conditions = Some(conditions);
    n
}

/// Indexes into [`NEEDS`] used by the scenario's first month.
pub(crate) mod ix {
    pub const ID_CHECK: usize = 0;
    pub const SI_REGISTRATION: usize = 1;
    pub const EMERGENCY_ADDRESS: usize = 3;
    pub const CROSS_REGION_MARKET: usize = 9;
    pub const COUNTY_CREDIT: usize = 11;
    pub const PENSION_CERTIFICATION: usize = 12;
    pub const ANNUAL_REPORT: usize = 13;
    pub const INDUSTRY_OUTPUT: usize = 14;
    pub const PROPERTY: usize = 15;
    pub const BIRTH_REGISTRATION: usize = 18;
    pub const COUNTY_SUBSIDY: usize = 26;
    pub const HEALTH_RECORDS: usize = 29;
}

/// Every need of the demo. Unconditional entries first (0–11), then conditional ones (12–28), then one entry
/// on the negative list (29).
pub(crate) const NEEDS: [Need; 30] = [
    need(
        [
            "130000-civil-affairs",
            "130000-public-security",
            "居民身份证核验",
        ],
        "婚姻登记当事人身份核验",
        "《婚姻登记条例》第五条",
        "河北省婚姻登记管理信息系统",
        &["公民身份号码", "姓名", "核验结果"],
        "每日约600次",
    ),
    need(
        [
            "130000-human-resources",
            "130000-market-regulation",
            "市场主体登记基本信息",
        ],
        "参保单位社会保险登记信息核验",
        "《中华人民共和国社会保险法》第五十七条",
        "河北省社会保险经办信息系统",
        &["统一社会信用代码", "名称", "法定代表人", "住所"],
        "每日约2500次",
    ),
    need(
        [
            "130000-drug-administration",
            "130000-market-regulation",
            "营业执照电子证照",
        ],
        "药品经营许可申请免提交营业执照",
        "《河北省政务数据共享应用管理办法》第二十五条",
        "河北省药品监管行政审批系统",
        &["证照编号", "统一社会信用代码", "名称"],
        "每日约150次",
    ),
    need(
        [
            "130000-emergency-management",
            "130000-natural-resources",
            "地理实体与地名地址",
        ],
        "应急指挥“一张图”地址定位",
        "《中华人民共和国突发事件应对法》",
        "河北省应急指挥信息系统",
        &["地名", "地址编码", "坐标"],
        "按需实时调用",
    ),
    need(
        [
            "130000-development-reform",
            "130000-ecology-environment",
            "排污许可信息",
        ],
        "公共信用信息归集与信用评价",
        "《河北省社会信用信息条例》",
        "河北省公共信用信息共享平台",
        &["许可证编号", "排污单位", "有效期至"],
        "每月批量交换",
    ),
    need(
        [
            "130000-housing-construction",
            "130000-emergency-management",
            "安全生产许可证信息",
        ],
        "建筑施工企业安全生产条件核验",
        "《安全生产许可证条例》第二条",
        "河北省建筑市场监管与诚信信息平台",
        &["许可证编号", "企业名称", "有效期至"],
        "每日约300次",
    ),
    need(
        [
            "130000-market-regulation",
            "130000-housing-construction",
            "建筑业企业资质信息",
        ],
        "招标投标领域经营主体资质核验",
        "《中华人民共和国招标投标法实施条例》",
        "河北省市场监管综合业务系统",
        &["资质证书编号", "企业名称", "资质类别及等级"],
        "每日约200次",
    ),
    need(
        [
            "130000-health",
            "130000-drug-administration",
            "药品经营许可信息",
        ],
        "医疗机构药品采购供应商资质核验",
        "《中华人民共和国药品管理法》",
        "河北省医疗机构药品采购监管系统",
        &["许可证编号", "企业名称", "经营范围"],
        "每日约100次",
    ),
    need(
        [
            "130100-human-resources",
            "130100-market-regulation",
            "市场主体登记基本信息",
        ],
        "参保单位社会保险登记信息核验",
        "《中华人民共和国社会保险法》第五十七条",
        "石家庄市社会保险经办信息系统",
        &["统一社会信用代码", "名称", "住所"],
        "每日约800次",
    ),
    need(
        [
            "130600-market-regulation",
            "130100-market-regulation",
            "市场主体登记基本信息",
        ],
        "跨区域迁移经营主体登记信息核验",
        "《中华人民共和国市场主体登记管理条例》",
        "保定市市场主体登记系统",
        &["统一社会信用代码", "名称", "类型", "住所"],
        "每日约50次",
    ),
    need(
        [
            "130123-health",
            "130123-market-regulation",
            "食品经营许可信息",
        ],
        "学校食堂及周边餐饮食品安全联合检查",
        "《中华人民共和国食品安全法》",
        "正定县卫生监督执法系统",
        &["许可证编号", "经营者名称", "经营项目"],
        "每周约30次",
    ),
    need(
        [
            "130102-market-regulation",
            "130000-development-reform",
            "严重失信主体名单",
        ],
        "经营主体登记环节信用核查",
        "《河北省社会信用信息条例》",
        "长安区市场监管业务系统",
        &["统一社会信用代码", "名称", "列入原因"],
        "每日约40次",
    ),
    refusable(
        need(
            [
                "130000-human-resources",
                "130000-public-security",
                "户籍人口基本信息",
            ],
            "养老保险待遇领取资格认证",
            "《中华人民共和国社会保险法》",
            "河北省社会保险经办信息系统",
            &["公民身份号码", "姓名", "出生日期"],
            "每日约3000次",
        ),
        MINIMUM_NECESSARY,
        "仅限待遇领取资格认证使用，按需比对，不得批量下载或留存",
    ),
    refusable(
        need(
            [
                "130000-market-regulation",
                "130000-human-resources",
                "社会保险参保信息",
            ],
            "企业年度报告参保信息核验",
            "《企业信息公示暂行条例》",
            "河北省市场监管综合业务系统",
            &["公民身份号码", "参保险种", "参保状态"],
            "每年集中核验",
        ),
        Refusal {
            reasons: "申请按公民身份号码逐人核验参保状态，涉及参保人员个人信息，超出企业年报参保人数核验所需，社会保险经办机构对此负有保密义务",
            kind: RefusalBasisKind::Law,
            instrument: "《中华人民共和国社会保险法》",
            provision: "第八十一条",
            objection: "年报核验只比对参保状态，不获取缴费明细，属于市场监管部门法定职责，符合目录载明的“核验用途”共享条件",
        },
        "仅返回是否参保及险种，不返回缴费明细",
    ),
    refusable(
        need(
            [
                "130000-ecology-environment",
                "130000-statistics",
                "规模以上工业企业主要指标",
            ],
            "重点排污行业产能与产值核算",
            "《中华人民共和国环境保护法》",
            "河北省生态环境大数据平台",
            &["统计周期", "行业", "企业数", "营业收入"],
            "每季度一次",
        ),
        Refusal {
            reasons: "申请要求按企业逐户提供营业收入，属于能够识别单个统计调查对象的资料，依法不得对外提供",
            kind: RefusalBasisKind::Law,
            instrument: "《中华人民共和国统计法》",
            provision: "第二十五条",
            objection: "产能核算需要分行业、分企业数据，请求按企业提供",
        },
        "仅提供分行业汇总数据",
    ),
    refusable(
        need(
            [
                "130000-housing-construction",
                "130000-natural-resources",
                "不动产登记信息",
            ],
            "商品房交易与预售资金监管",
            "《中华人民共和国城市房地产管理法》",
            "河北省房地产市场监管平台",
            &["不动产单元号", "权利人", "坐落", "面积"],
            "每日约1000次",
        ),
        Refusal {
            reasons: "申请批量获取全部权利人及坐落信息，超出依申请查询的范围，且未说明具体查询目的",
            kind: RefusalBasisKind::AdministrativeRegulation,
            instrument: "《不动产登记暂行条例》",
            provision: "第二十八条",
            objection: "仅用于预售项目网签备案核验，已补充查询范围说明",
        },
        "依申请逐件查询，限预售项目网签备案核验",
    ),
    refusable(
        need(
            [
                "130000-public-security",
                "130000-civil-affairs",
                "婚姻登记信息",
            ],
            "户籍登记婚姻状况变更核验",
            "《中华人民共和国户口登记条例》",
            "河北省人口管理信息系统",
            &["男方身份号码", "女方身份号码", "登记类型", "登记日期"],
            "每日约500次",
        ),
        MINIMUM_NECESSARY,
        "仅返回婚姻登记类型和日期，不返回登记档案",
    ),
    refusable(
        need(
            [
                "130000-health",
                "130000-civil-affairs",
                "最低生活保障对象信息",
            ],
            "医疗救助对象身份核验",
            "《社会救助暂行办法》第二十八条",
            "河北省医疗救助管理系统",
            &["公民身份号码", "保障类别"],
            "每日约2000次",
        ),
        MINIMUM_NECESSARY,
        "仅用于医疗救助对象核验，不得用于其他用途",
    ),
    refusable(
        need(
            [
                "130000-public-security",
                "130000-health",
                "出生医学证明信息",
            ],
            "新生儿出生登记（落户）",
            "《中华人民共和国户口登记条例》第七条",
            "河北省人口管理信息系统",
            &["出生医学证明编号", "新生儿姓名", "出生日期", "母亲身份号码"],
            "每日约400次",
        ),
        MINIMUM_NECESSARY,
        "仅限办理出生登记，核验后不得留存母亲身份信息",
    ),
    refusable(
        need(
            [
                "130000-human-resources",
                "130000-health",
                "死亡医学证明信息",
            ],
            "养老保险待遇停发核查",
            "《中华人民共和国社会保险法》",
            "河北省社会保险经办信息系统",
            &["公民身份号码", "死亡日期"],
            "每日约300次",
        ),
        MINIMUM_NECESSARY,
        "仅限待遇停发核查",
    ),
    agreed(
        need(
            [
                "130000-market-regulation",
                "130000-development-reform",
                "公共信用综合评价结果",
            ],
            "经营主体信用风险分类监管",
            "《河北省社会信用信息条例》",
            "河北省市场监管综合业务系统",
            &["统一社会信用代码", "评价等级"],
            "每周批量",
        ),
        "仅用于信用风险分类监管，不得对外公开评价等级",
    ),
    agreed(
        need(
            [
                "130000-ecology-environment",
                "130000-emergency-management",
                "危险化学品企业重大危险源信息",
            ],
            "突发环境事件风险评估",
            "《中华人民共和国环境保护法》第四十七条",
            "河北省生态环境大数据平台",
            &["企业名称", "危险源等级", "位置"],
            "每月一次",
        ),
        "限突发环境事件风险评估使用，位置信息不得对外公开",
    ),
    refusable(
        need(
            ["130000-health", "130000-human-resources", "社会保障卡信息"],
            "就医结算身份认证",
            "《中华人民共和国社会保险法》",
            "河北省全民健康信息平台",
            &["社会保障号码", "姓名", "卡状态"],
            "每日约5000次",
        ),
        MINIMUM_NECESSARY,
        "仅限就医结算身份认证",
    ),
    refusable(
        need(
            [
                "130100-civil-affairs",
                "130100-public-security",
                "户籍人口基本信息",
            ],
            "最低生活保障家庭户籍核查",
            "《社会救助暂行办法》第十一条",
            "石家庄市社会救助信息系统",
            &["公民身份号码", "姓名", "户籍地址"],
            "每日约300次",
        ),
        MINIMUM_NECESSARY,
        "仅限低保家庭户籍核查，不得批量下载",
    ),
    refusable(
        need(
            [
                "130600-civil-affairs",
                "130600-human-resources",
                "就业失业登记信息",
            ],
            "低保家庭成员就业状况核查",
            "《社会救助暂行办法》第十一条",
            "保定市社会救助信息系统",
            &["公民身份号码", "登记类型", "登记日期"],
            "每月批量",
        ),
        MINIMUM_NECESSARY,
        "仅限低保家庭成员就业状况核查",
    ),
    refusable(
        need(
            [
                "130102-health",
                "130102-civil-affairs",
                "最低生活保障对象信息",
            ],
            "医疗救助对象身份核验",
            "《社会救助暂行办法》第二十八条",
            "长安区医疗救助管理系统",
            &["公民身份号码", "保障类别"],
            "每日约100次",
        ),
        MINIMUM_NECESSARY,
        "仅用于医疗救助对象核验",
    ),
    refusable(
        need(
            [
                "130102-human-resources",
                "130000-public-security",
                "户籍人口基本信息",
            ],
            "就业创业补贴申领身份核验",
            "《中华人民共和国就业促进法》",
            "长安区就业服务信息系统",
            &["公民身份号码", "姓名", "户籍地址"],
            "每日约80次",
        ),
        MINIMUM_NECESSARY,
        "仅限补贴申领身份核验，按需比对，不得批量下载",
    ),
    refusable(
        need(
            [
                "130123-civil-affairs",
                "130000-civil-affairs",
                "婚姻登记信息",
            ],
            "低保家庭婚姻状况核查",
            "《社会救助暂行办法》第十一条",
            "正定县社会救助信息系统",
            &["男方身份号码", "女方身份号码", "登记类型"],
            "每月批量",
        ),
        MINIMUM_NECESSARY,
        "仅返回婚姻登记类型，不返回登记档案",
    ),
    refusable(
        need(
            [
                "130100-public-security",
                "130000-health",
                "出生医学证明信息",
            ],
            "新生儿出生登记（落户）",
            "《中华人民共和国户口登记条例》第七条",
            "石家庄市公安人口管理系统",
            &["出生医学证明编号", "新生儿姓名", "出生日期"],
            "每日约150次",
        ),
        MINIMUM_NECESSARY,
        "仅限办理出生登记",
    ),
    need(
        ["130000-human-resources", "130000-health", "个人健康档案"],
        "工伤认定病史核查",
        "《工伤保险条例》第十九条",
        "河北省工伤保险信息系统",
        &["公民身份号码", "病史"],
        "按需查询",
    ),
];

/// How an objection's conclusion reads (第十九条: 作出处理结论).
pub(crate) const UPHELD: &str = "经协调，申请信息项为依法履职所必需，安全保护措施已落实，提供部门的拒绝理由不能成立，异议成立，由主管部门按规定提供";
/// See [`UPHELD`].
pub(crate) const DISMISSED: &str = "经协调，提供部门的拒绝理由有法律依据，异议不成立；申请部门可按目录载明的共享条件调整信息项后重新申请";
