namespace MedicalAid.Engine.Tests;

/// <summary>Builders that keep hand-checked cases readable: every amount is written in yuan, as in docs/design.md §3.</summary>
internal static class TestData
{
    public static Money Y(decimal yuan) => Money.FromYuan(yuan);

    public static Bill Bill(decimal total, decimal policyScope, decimal insurancePaid) =>
        new(Y(total), Y(policyScope), Y(insurancePaid), Money.Zero, Money.Zero);

    public static YearUsage Usage(
        decimal subsidy = 0,
        decimal outpatientDeductible = 0,
        decimal inpatientDeductible = 0,
        decimal outpatient = 0,
        decimal inpatient = 0,
        decimal temporary = 0,
        decimal charity = 0) =>
        new(Y(subsidy), Y(outpatientDeductible), Y(inpatientDeductible), Y(outpatient), Y(inpatient), Y(temporary), Y(charity));

    /// <summary>The demo opening balances with some funds replaced.</summary>
    public static ChannelAmounts Funds(
        decimal? subsidy = null,
        decimal? outpatient = null,
        decimal? inpatient = null,
        decimal? temporary = null,
        decimal? charity = null)
    {
        var opening = DemoPolicy.OpeningFundBalances;
        return new ChannelAmounts(
            subsidy is { } s ? Y(s) : opening.InsuranceSubsidy,
            outpatient is { } o ? Y(o) : opening.Outpatient,
            inpatient is { } i ? Y(i) : opening.Inpatient,
            temporary is { } t ? Y(t) : opening.Temporary,
            charity is { } c ? Y(c) : opening.Charity);
    }

    public static SettlementInput Input(
        string category,
        VisitType visitType,
        HospitalLevel level,
        Bill bill,
        YearUsage? used = null,
        ChannelAmounts? funds = null,
        PolicyVersion? policy = null) =>
        new(visitType, level, bill, category, policy ?? DemoPolicy.Version, used ?? YearUsage.None, funds ?? DemoPolicy.OpeningFundBalances);

    public const string FullRatio = "full-ratio";
    public const string TinyRatio = "tiny-ratio";

    /// <summary>
    /// The demo policy with two made-up categories whose inpatient ratios run off the ends of [0, 1] once the
    /// hospital-level adjustment is added: 100% + 5 points (primary) and 3% − 5 points (tertiary).
    /// </summary>
    public static PolicyVersion ClampPolicy { get; } = DemoPolicy.Version with
    {
        Code = "clamp-test",
        Categories =
        [
            new CategoryRule(
                FullRatio,
                PremiumSubsidy: Money.Zero,
                Outpatient: new MedicalAssistanceRule(Money.Zero, Ratio.FromDecimal(1.00m), Y(4_000)),
                Inpatient: new MedicalAssistanceRule(Money.Zero, Ratio.FromDecimal(1.00m), Y(80_000)),
                TemporaryEligible: true,
                CharityEligible: true),
            new CategoryRule(
                TinyRatio,
                PremiumSubsidy: Money.Zero,
                Outpatient: new MedicalAssistanceRule(Money.Zero, Ratio.FromDecimal(0.03m), Y(4_000)),
                Inpatient: new MedicalAssistanceRule(Money.Zero, Ratio.FromDecimal(0.03m), Y(80_000)),
                TemporaryEligible: false,
                CharityEligible: false),
        ],
    };

    public static IReadOnlyList<string> DemoCategoryCodes { get; } = [.. DemoPolicy.Categories.Select(category => category.Code)];

    public const string OwnDeductibles = "own-deductibles";

    /// <summary>
    /// The demo policy with one made-up category whose outpatient rule has a deductible (100.00) and whose inpatient
    /// annual cap (10,000.00) is tighter than the shared annual cap (80,000.00) — neither happens in the demo categories.
    /// Both ratios are 50%; no premium subsidy, temporary or charity.
    /// </summary>
    public static PolicyVersion OwnDeductiblesPolicy { get; } = DemoPolicy.Version with
    {
        Code = "own-deductibles-test",
        Categories =
        [
            new CategoryRule(
                OwnDeductibles,
                PremiumSubsidy: Money.Zero,
                Outpatient: new MedicalAssistanceRule(Y(100), Ratio.FromPercent(50), Y(4_000)),
                Inpatient: new MedicalAssistanceRule(Y(1_000), Ratio.FromPercent(50), Y(10_000)),
                TemporaryEligible: false,
                CharityEligible: false),
        ],
    };
}
