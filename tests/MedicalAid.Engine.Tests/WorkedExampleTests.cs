using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

/// <summary>The two worked examples of docs/design.md §3, to the fen on every channel.</summary>
public sealed class WorkedExampleTests
{
    [Fact]
    public void Settle_MinimumLivingInpatientAtSecondaryHospital_MatchesFirstWorkedExample()
    {
        // T = 20,000.00, S = 18,000.00, I = 10,000.00 (split over the three insurance payments).
        var bill = new Bill(Y(20_000), Y(18_000), Y(8_000), Y(1_500), Y(500));
        var input = new SettlementInput(
            VisitType.Inpatient, HospitalLevel.Secondary, bill, DemoPolicy.MinimumLiving,
            DemoPolicy.Version, YearUsage.None, DemoPolicy.OpeningFundBalances);

        var result = SettlementCalculator.Calculate(input);

        // insuranceSubsidy 200.00 (first of year).
        AssertChannel(result, Channel.InsuranceSubsidy, 200.00m);
        AssertChannel(result, Channel.Outpatient, 0m, ReasonCode.NotApplicableVisitType);
        // O = 8,000.00; d = 0; 75% → 6,000.00.
        AssertChannel(result, Channel.Inpatient, 6_000.00m);
        // R1 = 4,000.00 ≥ 1,000 → min(2,000.00, 500.00, 3,000.00) = 500.00, cut by the per-event limit.
        AssertChannel(result, Channel.Temporary, 500.00m, ReasonCode.CapReached);
        // R2 = 3,500.00 ≥ 2,000 → min(1,050.00, 5,000.00) = 1,050.00.
        AssertChannel(result, Channel.Charity, 1_050.00m);

        Assert.Equal(Y(10_000), result.InsurancePaid);
        Assert.Equal(Y(2_450), result.PatientPays);
        Assert.Equal(Y(7_550), result.AssistanceTotal);
        Assert.Equal(Y(7_750), result.FundsSettled);
        Assert.Equal(new ChannelAmounts(Y(200), Money.Zero, Y(6_000), Y(500), Y(1_050)), result.FundDebits);
        Assert.Equal(Usage(subsidy: 200, inpatient: 6_000, temporary: 500, charity: 1_050), result.UsageChange);

        // The trace carries the figures of docs/design.md §3's reasoning.
        var inpatientTrace = result[Channel.Inpatient].Trace;
        Assert.Contains(TraceFigure.Of("outOfPocket", Y(8_000)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("deductibleApplied", Money.Zero), inpatientTrace);
        Assert.Contains(TraceFigure.Of("ratio", Ratio.FromPercent(75)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("raw", Y(6_000)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("remaining", Y(4_000)), result[Channel.Temporary].Trace);
        Assert.Contains(TraceFigure.Of("remaining", Y(3_500)), result[Channel.Charity].Trace);
    }

    [Fact]
    public void Settle_LowIncomeMarginalInpatientAtTertiaryHospitalWithDeductiblePartlyUsed_MatchesSecondWorkedExample()
    {
        var input = new SettlementInput(
            VisitType.Inpatient, HospitalLevel.Tertiary, Bill(9_000, 8_000, 4_500), DemoPolicy.LowIncomeMarginal,
            DemoPolicy.Version, Usage(inpatientDeductible: 1_000), DemoPolicy.OpeningFundBalances);

        var result = SettlementCalculator.Calculate(input);

        // Low-income-marginal has no premium subsidy.
        AssertChannel(result, Channel.InsuranceSubsidy, 0m, ReasonCode.NotEligibleCategory);
        AssertChannel(result, Channel.Outpatient, 0m, ReasonCode.NotApplicableVisitType);
        // O = 3,500.00; d = min(3,500.00, 4,000.00 − 1,000.00) = 3,000.00; (65% − 5 points) = 60% of 500.00 → 300.00.
        AssertChannel(result, Channel.Inpatient, 300.00m, ReasonCode.DeductibleApplied);
        // R1 = 9,000.00 − 4,500.00 − 300.00 = 4,200.00 → min(2,100.00, 500.00, 3,000.00) = 500.00.
        AssertChannel(result, Channel.Temporary, 500.00m, ReasonCode.CapReached);
        AssertChannel(result, Channel.Charity, 0m, ReasonCode.NotEligibleCategory);

        Assert.Equal(Y(4_500), result.InsurancePaid);
        Assert.Equal(Y(3_700), result.PatientPays);
        Assert.Equal(Y(800), result.AssistanceTotal);
        Assert.Equal(Y(800), result.FundsSettled);
        Assert.Equal(new ChannelAmounts(Money.Zero, Money.Zero, Y(300), Y(500), Money.Zero), result.FundDebits);
        Assert.Equal(Usage(inpatientDeductible: 3_000, inpatient: 300, temporary: 500), result.UsageChange);

        var inpatientTrace = result[Channel.Inpatient].Trace;
        Assert.Contains(TraceFigure.Of("deductibleUsed", Y(1_000)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("deductibleApplied", Y(3_000)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("categoryRatio", Ratio.FromPercent(65)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("levelAdjustment", Ratio.FromPercent(-5)), inpatientTrace);
        Assert.Contains(TraceFigure.Of("ratio", Ratio.FromPercent(60)), inpatientTrace);
    }

    [Fact]
    public void Settle_Always_ReturnsAllFiveChannelsInSettlementOrder()
    {
        var result = SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, Bill(20_000, 18_000, 10_000)));

        Assert.Equal(Channels.InSettlementOrder, result.Channels.Select(channel => channel.Channel));
    }

    private static void AssertChannel(SettlementResult result, Channel channel, decimal yuan, params ReasonCode[] reasons)
    {
        var actual = result[channel];
        Assert.Equal(channel, actual.Channel);
        Assert.Equal(Y(yuan), actual.Amount);
        Assert.Equal(reasons, actual.Reasons);
    }
}
