using static MedicalAid.Engine.ReasonCode;
using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

/// <summary>
/// Hand-checked settlements over the demo policy (docs/design.md §3 and §4). Amounts are in yuan; the comment on each row
/// is the arithmetic behind the expected figures. Unless a row says otherwise, nothing is used yet this year and
/// every fund holds its demo opening balance.
/// </summary>
public sealed class SettlementTableTests
{
    private static readonly Expected NotApplicable = Pays(0, NotApplicableVisitType);

    private static readonly Dictionary<string, Case> Cases = BuildCases();

    public static TheoryData<string> CaseNames { get; } = [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Settle_HandCheckedCase_MatchesEveryChannelToTheFen(string name)
    {
        var @case = Cases[name];

        var result = SettlementCalculator.Calculate(@case.Input);

        AssertChannel(@case.Subsidy, result[Channel.InsuranceSubsidy]);
        AssertChannel(@case.Outpatient, result[Channel.Outpatient]);
        AssertChannel(@case.Inpatient, result[Channel.Inpatient]);
        AssertChannel(@case.Temporary, result[Channel.Temporary]);
        AssertChannel(@case.Charity, result[Channel.Charity]);
        Assert.Equal(Y(@case.PatientPays), result.PatientPays);

        var assistance = Y(@case.Outpatient.Yuan + @case.Inpatient.Yuan + @case.Temporary.Yuan + @case.Charity.Yuan);
        Assert.Equal(assistance, result.AssistanceTotal);
        Assert.Equal(assistance + Y(@case.Subsidy.Yuan), result.FundsSettled);
        // T = I + A + temporary + charity + P, to the fen.
        Assert.Equal(@case.Input.Bill.Total, @case.Input.Bill.InsurancePaid + result.AssistanceTotal + result.PatientPays);
    }

    [Fact]
    public void Table_TakenTogether_ProducesEveryReasonCode()
    {
        var produced = Cases.Values
            .SelectMany(@case => new[] { @case.Subsidy, @case.Outpatient, @case.Inpatient, @case.Temporary, @case.Charity })
            .SelectMany(expected => expected.Reasons)
            .ToHashSet();

        Assert.Equal(Enum.GetValues<ReasonCode>().Order(), produced.Order());
        Assert.True(Cases.Count >= 20);
    }

    private static void AssertChannel(Expected expected, ChannelResult actual)
    {
        Assert.Equal(Y(expected.Yuan), actual.Amount);
        Assert.Equal(expected.Reasons, actual.Reasons);
    }

    private static Expected Pays(decimal yuan, params ReasonCode[] reasons) => new(yuan, reasons);

    private static Dictionary<string, Case> BuildCases()
    {
        var cases = new Dictionary<string, Case>(StringComparer.Ordinal);

        // O = 400 − 100 = 300; 100% → 300. R1 = 500 − 100 − 300 = 100 < 1,000; R2 = 100 < 2,000. P = 100.
        Add("extreme-poverty outpatient, small bill below both thresholds",
            Input(DemoPolicy.ExtremePoverty, VisitType.Outpatient, HospitalLevel.Secondary, Bill(500, 400, 100)),
            Pays(400), Pays(300), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold), patientPays: 100);

        // O = 1,500; 70% → 1,050, outpatient cap left 4,000 − 3,800 = 200 → 200.
        // R1 = 2,000 − 500 − 200 = 1,300 → 650 → per-event limit 500. R2 = 800 < 2,000. P = 800.
        Add("outpatient cap nearly used",
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(2_000, 2_000, 500),
                Usage(subsidy: 200, outpatient: 3_800)),
            Pays(0, AlreadyPaidThisYear), Pays(200, CapReached), NotApplicable, Pays(500, CapReached), Pays(0, BelowThreshold),
            patientPays: 800);

        // O = 100; 70% → 70, outpatient cap left 0 → 0. R1 = 100 < 1,000; R2 = 100. P = 100.
        Add("outpatient cap fully used",
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(100, 100, 0),
                Usage(subsidy: 200, outpatient: 4_000)),
            Pays(0, AlreadyPaidThisYear), Pays(0, CapReached), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 100);

        // O = 10,000; 70% → 7,000; inpatient cap left 80,000 − 75,000 = 5,000, shared left 80,000 − 79,000 = 1,000 → 1,000.
        // R1 = 20,000 − 10,000 − 1,000 = 9,000 → 4,500 → 500. Special-care has no charity. P = 8,500.
        Add("shared annual cap limits inpatient",
            Input(DemoPolicy.SpecialCare, VisitType.Inpatient, HospitalLevel.Secondary, Bill(20_000, 20_000, 10_000),
                Usage(outpatient: 4_000, inpatient: 75_000)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(1_000, CapReached), Pays(500, CapReached), Pays(0, NotEligibleCategory),
            patientPays: 8_500);

        // O = 2,000; 100% → 2,000; outpatient cap left 2,500, shared left 80,000 − 79,500 = 500 → 500.
        // R1 = 2,000 − 0 − 500 = 1,500 → 750 → 500. R2 = 1,000 < 2,000. P = 1,000.
        Add("shared annual cap limits outpatient",
            Input(DemoPolicy.ExtremePoverty, VisitType.Outpatient, HospitalLevel.Secondary, Bill(2_000, 2_000, 0),
                Usage(subsidy: 400, outpatient: 1_500, inpatient: 78_000)),
            Pays(0, AlreadyPaidThisYear), Pays(500, CapReached), NotApplicable, Pays(500, CapReached), Pays(0, BelowThreshold),
            patientPays: 1_000);

        // Deductible all used: O = 2,000; d = 0; 65% + 5 points (primary) = 70% → 1,400. R1 = 3,000 − 1,000 − 1,400 = 600. P = 600.
        Add("low-income-marginal at primary hospital after the deductible is used up",
            Input(DemoPolicy.LowIncomeMarginal, VisitType.Inpatient, HospitalLevel.Primary, Bill(3_000, 3_000, 1_000),
                Usage(inpatientDeductible: 4_000)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(1_400), Pays(0, BelowThreshold), Pays(0, NotEligibleCategory),
            patientPays: 600);

        // O = 4,000; d = min(4,000, 10,000 − 9,000) = 1,000; (60% − 5 points) = 55% of 3,000 → 1,650.
        // R1 = 5,000 − 1,000 − 1,650 = 2,350 → 1,175 → 500. R2 = 1,850 < 2,000. P = 1,850.
        Add("illness-poverty at tertiary hospital with the last 1,000 of the deductible",
            Input(DemoPolicy.IllnessPoverty, VisitType.Inpatient, HospitalLevel.Tertiary, Bill(5_000, 5_000, 1_000),
                Usage(inpatientDeductible: 9_000)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(1_650, DeductibleApplied), Pays(500, CapReached), Pays(0, BelowThreshold),
            patientPays: 1_850);

        // O = 2,500.05 all within the 10,000 deductible → 0. R1 = 2,500.05 → 1,250.025 → 1,250.03 → 500.
        // R2 = 2,000.05 ≥ 2,000 → 30% = 600.015 → half away from zero → 600.02. P = 2,000.05 − 600.02 = 1,400.03.
        Add("deductible takes the whole out-of-pocket and charity rounds half up",
            Input(DemoPolicy.IllnessPoverty, VisitType.Inpatient, HospitalLevel.Secondary, Bill(2_500.05m, 2_500.05m, 0)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(0, DeductibleApplied), Pays(500, CapReached), Pays(600.02m),
            patientPays: 1_400.03m);

        // O = 2,499.99 all deductible → 0. R1 = 2,499.99 → 1,249.995 → 1,250.00 → 500. R2 = 1,999.99 < 2,000. P = 1,999.99.
        Add("charity one fen below its threshold",
            Input(DemoPolicy.IllnessPoverty, VisitType.Inpatient, HospitalLevel.Secondary, Bill(2_499.99m, 2_499.99m, 0)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(0, DeductibleApplied), Pays(500, CapReached), Pays(0, BelowThreshold),
            patientPays: 1_999.99m);

        // Subsidy min(200, 150) = 150. O = 100; 70% → 70. R1 = 30. P = 30.
        Add("insurance subsidy fund short",
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(100, 100, 0),
                funds: Funds(subsidy: 150)),
            Pays(150, FundExhausted), Pays(70), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 30);

        // O = 800; 100% → 800; fund 123.45 → 123.45. R1 = 1,000 − 200 − 123.45 = 676.55 < 1,000. P = 676.55.
        Add("outpatient fund short",
            Input(DemoPolicy.Orphan, VisitType.Outpatient, HospitalLevel.Secondary, Bill(1_000, 1_000, 200),
                Usage(subsidy: 400), Funds(outpatient: 123.45m)),
            Pays(0, AlreadyPaidThisYear), Pays(123.45m, FundExhausted), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 676.55m);

        // O = 4,000; 100% + 5 points clamps to 100% → 4,000; fund 0 → 0. R1 = 10,000 − 6,000 − 0 = 4,000 → 2,000 → 500.
        // R2 = 3,500 → 1,050. P = 2,450.
        Add("inpatient fund empty",
            Input(DemoPolicy.ExtremePoverty, VisitType.Inpatient, HospitalLevel.Primary, Bill(10_000, 10_000, 6_000),
                funds: Funds(inpatient: 0)),
            Pays(400), NotApplicable, Pays(0, FundExhausted), Pays(500, CapReached), Pays(1_050),
            patientPays: 2_450);

        // O = 2,000; 70% → 1,400. R1 = 5,000 − 2,000 − 1,400 = 1,600 → 800 → limit 500 → fund 300.
        // Heroic-act has no charity; R2 = 1,300. P = 1,300.
        Add("temporary fund short after the per-event limit",
            Input(DemoPolicy.HeroicAct, VisitType.Inpatient, HospitalLevel.Secondary, Bill(5_000, 4_000, 2_000),
                funds: Funds(temporary: 300)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(1_400), Pays(300, CapReached, FundExhausted), Pays(0, NotEligibleCategory),
            patientPays: 1_300);

        // I = 10,000 + 4,000 + 1,000 = 15,000; O = 10,000; 75% − 5 points = 70% → 7,000.
        // R1 = 30,000 − 15,000 − 7,000 = 8,000 → 500. R2 = 7,500 → 2,250 ≤ 5,000, fund 999.99 → 999.99. P = 6,500.01.
        Add("charity fund short",
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Tertiary,
                new Bill(Y(30_000), Y(25_000), Y(10_000), Y(4_000), Y(1_000)),
                Usage(subsidy: 200), Funds(charity: 999.99m)),
            Pays(0, AlreadyPaidThisYear), NotApplicable, Pays(7_000), Pays(500, CapReached), Pays(999.99m, FundExhausted),
            patientPays: 6_500.01m);

        // T = S = I = 0: the first settlement of the year still pays the 200 subsidy; nothing else. P = 0.
        Add("zero bill pays only the yearly subsidy",
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, Bill(0, 0, 0)),
            Pays(200), NotApplicable, Pays(0), Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 0);

        // T = S = I = 0: O = 0, so d = min(0, 4,000) = 0 and no deductible is applied. P = 0.
        Add("zero bill applies none of an unused deductible",
            Input(DemoPolicy.LowIncomeMarginal, VisitType.Inpatient, HospitalLevel.Secondary, Bill(0, 0, 0)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(0), Pays(0, BelowThreshold), Pays(0, NotEligibleCategory),
            patientPays: 0);

        // O = 4,000; 100% + 5 points = 105% clamps to 100% → 4,000 (not 4,200). R1 = 5,000 − 1,000 − 4,000 = 0. P = 0.
        Add("ratio above 100% after the level adjustment clamps to 100%",
            Input(FullRatio, VisitType.Inpatient, HospitalLevel.Primary, Bill(5_000, 5_000, 1_000), policy: ClampPolicy),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(4_000), Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 0);

        // O = 4,000; 3% − 5 points = −2% clamps to 0% → 0 (not −80). Neither temporary nor charity eligible. P = 4,000.
        Add("ratio below 0% after the level adjustment clamps to 0%",
            Input(TinyRatio, VisitType.Inpatient, HospitalLevel.Tertiary, Bill(5_000, 5_000, 1_000), policy: ClampPolicy),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(0), Pays(0, NotEligibleCategory), Pays(0, NotEligibleCategory),
            patientPays: 4_000);

        // O = 0.05 (5 fen); 70% = 3.5 fen → half away from zero → 4 fen. R1 = 0.01. P = 0.01.
        Add("70% of 5 fen rounds half up to 4 fen",
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(0.05m, 0.05m, 0), Usage(subsidy: 200)),
            Pays(0, AlreadyPaidThisYear), Pays(0.04m), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 0.01m);

        // O = 0.02 (2 fen); 70% = 1.4 fen → 1 fen. R1 = 0.01. P = 0.01.
        Add("70% of 2 fen rounds down to 1 fen",
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(0.02m, 0.02m, 0), Usage(subsidy: 200)),
            Pays(0, AlreadyPaidThisYear), Pays(0.01m), NotApplicable, Pays(0, BelowThreshold), Pays(0, BelowThreshold),
            patientPays: 0.01m);

        // O = 0.10 (10 fen); 70% − 5 points = 65% = 6.5 fen → 7 fen. R1 = 0.03. P = 0.03.
        Add("65% of 10 fen rounds half up to 7 fen",
            Input(DemoPolicy.HeroicAct, VisitType.Inpatient, HospitalLevel.Tertiary, Bill(0.10m, 0.10m, 0)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(0.07m), Pays(0, BelowThreshold), Pays(0, NotEligibleCategory),
            patientPays: 0.03m);

        // S = 0 so O = 0 → 0. R1 = 1,000 ≥ 1,000 → 50% = 500 = the per-event limit, so nothing is cut. R2 = 500. P = 500.
        Add("temporary exactly at its threshold",
            Input(DemoPolicy.HeroicAct, VisitType.Outpatient, HospitalLevel.Secondary, Bill(1_000, 0, 0)),
            Pays(0, NotEligibleCategory), Pays(0), NotApplicable, Pays(500), Pays(0, NotEligibleCategory),
            patientPays: 500);

        // S = 0 so O = 0 → 0. R1 = 999.99 < 1,000. P = 999.99.
        Add("temporary one fen below its threshold",
            Input(DemoPolicy.HeroicAct, VisitType.Outpatient, HospitalLevel.Secondary, Bill(999.99m, 0, 0)),
            Pays(0, NotEligibleCategory), Pays(0), NotApplicable, Pays(0, BelowThreshold), Pays(0, NotEligibleCategory),
            patientPays: 999.99m);

        // O = 10,000; 100% → 10,000. R1 = 60,000 − 10,000 − 10,000 = 40,000 → 500.
        // R2 = 39,500 → 11,850 → per-case cap 5,000. P = 39,500 − 5,000 = 34,500.
        Add("charity per-case cap",
            Input(DemoPolicy.ExtremePoverty, VisitType.Inpatient, HospitalLevel.Secondary, Bill(60_000, 20_000, 10_000)),
            Pays(400), NotApplicable, Pays(10_000), Pays(500, CapReached), Pays(5_000, CapReached),
            patientPays: 34_500);

        // O = 2,000; 75% → 1,500. R1 = 12,000 − 8,000 − 1,500 = 2,500 → 1,250 → min(500, 3,000 − 2,800 = 200) = 200.
        // R2 = 2,300 → 690. P = 1,610.
        Add("temporary annual cap nearly used",
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, Bill(12_000, 10_000, 8_000),
                Usage(subsidy: 200, temporary: 2_800)),
            Pays(0, AlreadyPaidThisYear), NotApplicable, Pays(1_500), Pays(200, CapReached), Pays(690),
            patientPays: 1_610);

        // O = 1,000; 100% → 1,000. R1 = 3,000 − 0 − 1,000 = 2,000 → 1,000 → annual cap left 0 → 0.
        // R2 = 2,000 ≥ 2,000 (exactly at threshold) → 600. P = 1,400.
        Add("temporary annual cap used up and charity exactly at its threshold",
            Input(DemoPolicy.Orphan, VisitType.Outpatient, HospitalLevel.Secondary, Bill(3_000, 1_000, 0),
                Usage(subsidy: 400, temporary: 3_000)),
            Pays(0, AlreadyPaidThisYear), Pays(1_000), NotApplicable, Pays(0, CapReached), Pays(600),
            patientPays: 1_400);

        // O = 15,000 − 9,000 = 6,000; 60% + 5 points (primary) = 65% of (6,000 − 0, deductible used up) → 3,900.
        // R1 = 20,000 − 9,000 − 3,900 = 7,100 → 500. R2 = 6,600 → 1,980. P = 4,620.
        Add("illness-poverty at primary hospital after the deductible is used up",
            Input(DemoPolicy.IllnessPoverty, VisitType.Inpatient, HospitalLevel.Primary, Bill(20_000, 15_000, 9_000),
                Usage(inpatientDeductible: 10_000)),
            Pays(0, NotEligibleCategory), NotApplicable, Pays(3_900), Pays(500, CapReached), Pays(1_980),
            patientPays: 4_620);

        return cases;

        void Add(
            string name, SettlementInput input,
            Expected subsidy, Expected outpatient, Expected inpatient, Expected temporary, Expected charity,
            decimal patientPays) =>
            cases.Add(name, new Case(input, subsidy, outpatient, inpatient, temporary, charity, patientPays));
    }

    private sealed record Expected(decimal Yuan, IReadOnlyList<ReasonCode> Reasons);

    private sealed record Case(
        SettlementInput Input,
        Expected Subsidy,
        Expected Outpatient,
        Expected Inpatient,
        Expected Temporary,
        Expected Charity,
        decimal PatientPays);
}
