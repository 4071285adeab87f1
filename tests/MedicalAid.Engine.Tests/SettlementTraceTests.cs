using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

/// <summary>
/// The trace each channel carries (docs/design.md §3: "the figures it used"), in full and in order, for the first worked
/// example: minimum-living, inpatient, secondary hospital, nothing used, T = 20,000.00, S = 18,000.00, I = 10,000.00,
/// demo opening balances.
/// </summary>
public sealed class SettlementTraceTests
{
    // Calculated in every test, not once in a static field: a result cached for the test process would hide a change in
    // the calculator from every test after the first (mutation testing reuses one process for many mutants).
    private static SettlementResult FirstWorkedExample => SettlementCalculator.Calculate(
        Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, Bill(20_000, 18_000, 10_000)));

    [Fact]
    public void Trace_OfInsuranceSubsidy_ShowsThePremiumAndTheFund()
    {
        Assert.Equal(
            [Fen("premiumSubsidy", 200), Fen("fundBalance", 500_000)],
            FirstWorkedExample[Channel.InsuranceSubsidy].Trace);
    }

    [Fact]
    public void Trace_OfMedicalAssistance_ShowsEveryTermOfStepTwo()
    {
        // O = 8,000; no deductible; 75% + 0 points (secondary) → 6,000; both caps and the fund untouched.
        Assert.Equal(
            [
                Fen("outOfPocket", 8_000),
                Fen("deductible", 0),
                Fen("deductibleUsed", 0),
                Fen("deductibleApplied", 0),
                BasisPoints("categoryRatio", 7_500),
                BasisPoints("levelAdjustment", 0),
                BasisPoints("ratio", 7_500),
                Fen("raw", 6_000),
                Fen("typeCapLeft", 80_000),
                Fen("sharedAnnualCapLeft", 80_000),
                Fen("fundBalance", 3_000_000),
            ],
            FirstWorkedExample[Channel.Inpatient].Trace);
    }

    [Fact]
    public void Trace_OfTemporaryAssistance_ShowsRemainingThresholdRatioRawAndEveryLimit()
    {
        // R1 = 4,000 ≥ 1,000; 50% → 2,000; per-event limit 500; annual cap 3,000 untouched; fund 200,000.
        Assert.Equal(
            [
                Fen("remaining", 4_000),
                Fen("threshold", 1_000),
                BasisPoints("ratio", 5_000),
                Fen("raw", 2_000),
                Fen("perEventLimit", 500),
                Fen("annualCapLeft", 3_000),
                Fen("fundBalance", 200_000),
            ],
            FirstWorkedExample[Channel.Temporary].Trace);
    }

    [Fact]
    public void Trace_OfCharity_ShowsRemainingThresholdRatioRawCapAndFund()
    {
        // R2 = 3,500 ≥ 2,000; 30% → 1,050; per-case cap 5,000; fund 100,000.
        Assert.Equal(
            [
                Fen("remaining", 3_500),
                Fen("threshold", 2_000),
                BasisPoints("ratio", 3_000),
                Fen("raw", 1_050),
                Fen("perCaseCap", 5_000),
                Fen("fundBalance", 100_000),
            ],
            FirstWorkedExample[Channel.Charity].Trace);
    }

    [Fact]
    public void Trace_WhenBelowThreshold_ShowsOnlyRemainingAndThreshold()
    {
        // T = S = 500.00, I = 0; 70% → 350; R1 = R2 = 150, below both thresholds.
        var result = SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Secondary, Bill(500, 500, 0), Usage(subsidy: 200)));

        Assert.Equal([Fen("remaining", 150), Fen("threshold", 1_000)], result[Channel.Temporary].Trace);
        Assert.Equal([Fen("remaining", 150), Fen("threshold", 2_000)], result[Channel.Charity].Trace);
    }

    private static TraceFigure Fen(string name, decimal yuan) => new(name, Y(yuan).Fen, TraceUnit.Fen);

    private static TraceFigure BasisPoints(string name, int basisPoints) => new(name, basisPoints, TraceUnit.BasisPoints);
}
