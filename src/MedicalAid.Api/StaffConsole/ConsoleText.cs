using System.Globalization;
using MedicalAid.Contracts;

namespace MedicalAid.Api.StaffConsole;

/// <summary>
/// The console's words in the staff's language — Simplified Chinese by default, English by the switch — and the way
/// it writes money (¥1,234.56), dates (2026-11-28) and times (Asia/Shanghai). Every code the API speaks in
/// (channels, categories, statuses, reasons, trace figures) is named here, so a page never shows a kebab-case code.
/// </summary>
public sealed class ConsoleText
{
    public const string Chinese = "zh";
    public const string English = "en";
    public const string CookieName = "MedicalAid.Lang";

    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private ConsoleText(string language) => Language = language;

    public static ConsoleText Zh { get; } = new(Chinese);

    public static ConsoleText En { get; } = new(English);

    public string Language { get; }

    public bool IsEnglish => Language == English;

    public static ConsoleText For(string? language) => language == English ? En : Zh;

    /// <summary>The language the request's cookie chose; Chinese without one.</summary>
    public static string LanguageOf(HttpContext? context) =>
        context?.Request.Cookies[CookieName] == English ? English : Chinese;

    /// <summary>The text in the current language: every string of the console is written as this pair.</summary>
    public string T(string zh, string en) => IsEnglish ? en : zh;

    public static string Money(decimal yuan) => (yuan < 0 ? "-¥" : "¥") + Math.Abs(yuan).ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Shanghai).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Percent(decimal share) => share.ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public string Channel(AssistanceChannel channel) => channel switch
    {
        AssistanceChannel.InsuranceSubsidy => T("资助参保", "Insurance subsidy"),
        AssistanceChannel.Outpatient => T("门诊救助", "Outpatient assistance"),
        AssistanceChannel.Inpatient => T("住院救助", "Inpatient assistance"),
        AssistanceChannel.Temporary => T("临时救助", "Temporary assistance"),
        _ => T("慈善救助", "Charity"),
    };

    public string Category(string? code) => code switch
    {
        "extreme-poverty" => T("特困人员", "Extreme poverty"),
        "minimum-living" => T("低保对象", "Minimum living allowance"),
        "low-income-marginal" => T("低保边缘", "Low-income marginal"),
        "special-care" => T("重点优抚对象", "Special care"),
        "heroic-act" => T("见义勇为者", "Heroic act"),
        "orphan" => T("孤儿", "Orphan"),
        "illness-poverty" => T("因病致贫重病患者", "Poverty through illness"),
        null => "—",
        // A region's own category has no fixed name here: its code is what staff gave it.
        _ => code,
    };

    public string Status(SettlementStatus status) => status == SettlementStatus.Reversed ? T("已撤销", "Reversed") : T("已结算", "Settled");

    public string VisitType(VisitType type) => type == Contracts.VisitType.Inpatient ? T("住院", "Inpatient") : T("门诊", "Outpatient");

    public string Reason(string code) => code switch
    {
        "NOT_ELIGIBLE_CATEGORY" => T("该类别不享受此项救助", "Not available to this category"),
        "BELOW_THRESHOLD" => T("未达起付标准", "Below the threshold"),
        "DEDUCTIBLE_APPLIED" => T("已扣除起付线", "Deductible applied"),
        "CAP_REACHED" => T("已达年度限额", "Limit reached"),
        "FUND_EXHAUSTED" => T("资金余额不足", "Fund exhausted"),
        "ALREADY_PAID_THIS_YEAR" => T("本年度已资助", "Already paid this year"),
        "NOT_APPLICABLE_VISIT_TYPE" => T("不适用于本次就诊类型", "Not for this visit type"),
        _ => code,
    };

    public string TraceFigure(string name) => name switch
    {
        "premiumSubsidy" => T("个人缴费资助标准", "Premium subsidy"),
        "deductible" => T("起付线", "Deductible"),
        "deductibleUsed" => T("本年已用起付线", "Deductible used this year"),
        "deductibleApplied" => T("本次扣除起付线", "Deductible applied"),
        "categoryRatio" => T("类别救助比例", "Category ratio"),
        "levelAdjustment" => T("医院等级调整", "Hospital level adjustment"),
        "ratio" => T("救助比例", "Ratio"),
        "raw" => T("按比例计算额", "Amount by ratio"),
        "typeCapLeft" => T("门诊/住院年度限额余额", "Visit-type annual cap left"),
        "sharedAnnualCapLeft" => T("年度共用限额余额", "Shared annual cap left"),
        "annualCapLeft" => T("年度限额余额", "Annual cap left"),
        "fundBalance" => T("资金余额", "Fund balance"),
        "outOfPocket" => T("救助前个人负担", "Burden before this channel"),
        "threshold" => T("起付标准", "Threshold"),
        "remaining" => T("超出起付标准部分", "Amount above the threshold"),
        "perEventLimit" => T("单次限额", "Per-event limit"),
        "perCaseCap" => T("单例限额", "Per-case cap"),
        _ => name,
    };

    /// <summary>Ratios in a trace are fractions; everything else is yuan.</summary>
    public static bool IsRatio(string name) => name is "categoryRatio" or "levelAdjustment" or "ratio";

    public static string TraceValue(string name, decimal value) =>
        IsRatio(name) ? (value * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%" : Money(value);

    /// <summary>What an audit entry records, in words; an action this list does not know is shown as recorded.</summary>
    public string AuditAction(string action) => action switch
    {
        "beneficiary.created" => T("登记救助对象", "Beneficiary registered"),
        "beneficiary.updated" => T("修改救助对象", "Beneficiary changed"),
        "beneficiary.status-changed" => T("变更类别或状态", "Category or status changed"),
        "beneficiary.imported" => T("导入花名册", "Roster imported"),
        "hospital.registered" => T("登记定点医疗机构", "Hospital registered"),
        "hospital.updated" => T("修改定点医疗机构", "Hospital changed"),
        "hospital.deactivated" => T("停用定点医疗机构", "Hospital deactivated"),
        "hospital.key-rotated" => T("更换接口密钥", "API key rotated"),
        "hospital.callback-secret-rotated" => T("更换回调签名密钥", "Callback secret rotated"),
        "policy.created" => T("发布政策版本", "Policy version published"),
        "policy.superseded" => T("政策版本被取代", "Policy version superseded"),
        "fund.topped-up" => T("资金拨入", "Fund topped up"),
        "fund.subsidy-run" => T("资助参保批量支付", "Premium subsidy run"),
        "clearing-run.issued" => T("执行月度清算", "Clearing run"),
        "clearing-statement.issued" => T("生成清算单", "Clearing statement issued"),
        "clearing-statement.paid" => T("清算单已支付", "Clearing statement paid"),
        "unit.created" => T("新建组织机构", "Unit created"),
        "unit.renamed" => T("组织机构改名", "Unit renamed"),
        "unit.moved" => T("调整上级机构", "Unit moved"),
        "staff.created" => T("开设账号", "Account created"),
        "staff.updated" => T("修改账号", "Account changed"),
        "staff.disabled" => T("停用账号", "Account disabled"),
        "staff.enabled" => T("启用账号", "Account enabled"),
        "staff.password-reset" => T("重置密码", "Password reset"),
        "staff.password-changed" => T("修改密码", "Password changed"),
        "staff.two-factor-enabled" => T("启用验证器", "Authenticator enrolled"),
        "staff.two-factor-reset" => T("重置验证器", "Authenticator reset"),
        "staff.signed-in" => T("登录", "Signed in"),
        "staff.signed-out" => T("退出登录", "Signed out"),
        "staff.sign-in-failed" => T("登录失败", "Sign-in failed"),
        "staff.locked-out" => T("账号被锁定", "Account locked"),
        _ => action,
    };
}
