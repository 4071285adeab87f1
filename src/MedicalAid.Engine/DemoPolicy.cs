namespace MedicalAid.Engine;

/// <summary>The demo data of docs/design.md §4 that belongs to the calculation: categories and the "demo" policy version.</summary>
public static class DemoPolicy
{
    public const string ExtremePoverty = "extreme-poverty";
    public const string MinimumLiving = "minimum-living";
    public const string LowIncomeMarginal = "low-income-marginal";
    public const string SpecialCare = "special-care";
    public const string HeroicAct = "heroic-act";
    public const string Orphan = "orphan";
    public const string IllnessPoverty = "illness-poverty";

    /// <summary>The seed categories with their Chinese names, in the order of docs/design.md §2.</summary>
    public static IReadOnlyList<(string Code, string Name)> Categories { get; } =
    [
        (ExtremePoverty, "特困人员"),
        (MinimumLiving, "低保对象"),
        (LowIncomeMarginal, "低保边缘"),
        (SpecialCare, "重点优抚对象"),
        (HeroicAct, "见义勇为者"),
        (Orphan, "孤儿"),
        (IllnessPoverty, "因病致贫重病患者"),
    ];

    /// <summary>Policy "demo", effective from 2024-01-01, open-ended.</summary>
    public static PolicyVersion Version { get; } = new(
        Code: "demo",
        EffectiveFrom: new DateOnly(2024, 1, 1),
        EffectiveTo: null,
        SharedAnnualCap: Money.FromYuan(80_000),
        InpatientLevelAdjustments: new HospitalLevelAdjustments(
            Primary: Ratio.FromPercent(5),
            Secondary: Ratio.Zero,
            Tertiary: Ratio.FromPercent(-5)),
        Temporary: new TemporaryRule(
            Threshold: Money.FromYuan(1_000),
            Ratio: Ratio.FromPercent(50),
            PerEventLimit: Money.FromYuan(500),
            AnnualCap: Money.FromYuan(3_000)),
        Charity: new CharityRule(
            Threshold: Money.FromYuan(2_000),
            Ratio: Ratio.FromPercent(30),
            PerCaseCap: Money.FromYuan(5_000)),
        Categories:
        [
            Category(ExtremePoverty, premiumSubsidy: 400, outpatientPercent: 100, inpatientDeductible: 0, inpatientPercent: 100, charity: true),
            Category(MinimumLiving, premiumSubsidy: 200, outpatientPercent: 70, inpatientDeductible: 0, inpatientPercent: 75, charity: true),
            Category(LowIncomeMarginal, premiumSubsidy: 0, outpatientPercent: 50, inpatientDeductible: 4_000, inpatientPercent: 65, charity: false),
            Category(SpecialCare, premiumSubsidy: 0, outpatientPercent: 60, inpatientDeductible: 0, inpatientPercent: 70, charity: false),
            Category(HeroicAct, premiumSubsidy: 0, outpatientPercent: 60, inpatientDeductible: 0, inpatientPercent: 70, charity: false),
            Category(Orphan, premiumSubsidy: 400, outpatientPercent: 100, inpatientDeductible: 0, inpatientPercent: 100, charity: true),
            Category(IllnessPoverty, premiumSubsidy: 0, outpatientPercent: 50, inpatientDeductible: 10_000, inpatientPercent: 60, charity: true),
        ]);

    /// <summary>Opening balance of each channel's fund for the current and the previous year.</summary>
    public static ChannelAmounts OpeningFundBalances { get; } = new(
        InsuranceSubsidy: Money.FromYuan(500_000),
        Outpatient: Money.FromYuan(300_000),
        Inpatient: Money.FromYuan(3_000_000),
        Temporary: Money.FromYuan(200_000),
        Charity: Money.FromYuan(100_000));

    private static CategoryRule Category(
        string code, long premiumSubsidy, int outpatientPercent, long inpatientDeductible, int inpatientPercent, bool charity) =>
        new(
            Category: code,
            PremiumSubsidy: Money.FromYuan(premiumSubsidy),
            Outpatient: new MedicalAssistanceRule(Money.Zero, Ratio.FromPercent(outpatientPercent), Money.FromYuan(4_000)),
            Inpatient: new MedicalAssistanceRule(Money.FromYuan(inpatientDeductible), Ratio.FromPercent(inpatientPercent), Money.FromYuan(80_000)),
            TemporaryEligible: true,
            CharityEligible: charity);
}
