using CsCheck;

namespace MedicalAid.Engine.Tests;

/// <summary>Properties of docs/design.md §3 that must hold for every input, checked on random inputs over the demo policy.</summary>
public sealed class SettlementPropertyTests
{
    private const long Iterations = 2_000;

    [Fact]
    public void Settle_AnySoundInput_KeepsTheIdentityToTheFenWithEveryTermNonNegative()
    {
        Generators.Input.Sample(input =>
        {
            var result = SettlementCalculator.Calculate(input);
            var bill = input.Bill;
            var medical = result[Channels.MedicalChannelFor(input.VisitType)].Amount;
            var temporary = result[Channel.Temporary].Amount;
            var charity = result[Channel.Charity].Amount;

            // T = I + A + temporary + charity + P, every term ≥ 0.
            Assert.Equal(bill.Total, bill.InsurancePaid + medical + temporary + charity + result.PatientPays);
            Assert.Equal(bill.InsurancePaid, result.InsurancePaid);
            Assert.All(result.Channels, channel => Assert.False(channel.Amount.IsNegative));
            Assert.False(result.PatientPays.IsNegative);

            Assert.Equal(medical + temporary + charity, result.AssistanceTotal);
            Assert.Equal(result.AssistanceTotal + result[Channel.InsuranceSubsidy].Amount, result.FundsSettled);
            Assert.Equal(result.FundsSettled, result.FundDebits.Sum);

            // What each fund gives is what its channel pays, never more than the fund holds.
            foreach (var channel in Channels.InSettlementOrder)
            {
                Assert.Equal(result[channel].Amount, result.FundDebits[channel]);
                Assert.True(result.FundDebits[channel] <= input.FundBalances[channel]);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Settle_SequenceOfVisitsOverAYear_NeverExceedsACapOrDeductibleAndNeverOverdrawsAFund()
    {
        var policy = DemoPolicy.Version;
        Generators.Year.Sample(year =>
        {
            var rule = policy.RuleFor(year.Category);
            var used = year.Used;
            var funds = year.Funds;
            foreach (var visit in year.Visits)
            {
                var result = SettlementCalculator.Calculate(
                    new SettlementInput(visit.VisitType, visit.HospitalLevel, visit.Bill, year.Category, policy, used, funds));
                used += result.UsageChange;
                funds -= result.FundDebits;

                Assert.True(used.InsuranceSubsidy <= rule.PremiumSubsidy, "premium subsidy paid more than once");
                Assert.True(used.OutpatientDeductible <= rule.Outpatient.Deductible, "outpatient deductible exceeded");
                Assert.True(used.InpatientDeductible <= rule.Inpatient.Deductible, "inpatient deductible exceeded");
                Assert.True(used.Outpatient <= rule.Outpatient.AnnualCap, "outpatient annual cap exceeded");
                Assert.True(used.Inpatient <= rule.Inpatient.AnnualCap, "inpatient annual cap exceeded");
                Assert.True(used.MedicalAssistance <= policy.SharedAnnualCap, "shared annual cap exceeded");
                Assert.True(used.Temporary <= policy.Temporary.AnnualCap, "temporary annual cap exceeded");
                Assert.True(result[Channel.Temporary].Amount <= policy.Temporary.PerEventLimit, "temporary per-event limit exceeded");
                Assert.True(result[Channel.Charity].Amount <= policy.Charity.PerCaseCap, "charity per-case cap exceeded");
                foreach (var channel in Channels.InSettlementOrder)
                {
                    Assert.False(funds[channel].IsNegative, $"{channel} fund below zero");
                }
            }
        }, iter: 500);
    }

    [Fact]
    public void Reverse_AfterSettling_RestoresUsageAndBalancesExactly()
    {
        Generators.Input.Sample(input =>
        {
            var result = SettlementCalculator.Calculate(input);

            var usedAfterSettling = input.UsedThisYear + result.UsageChange;
            var fundsAfterSettling = input.FundBalances - result.FundDebits;
            var usedAfterReversal = usedAfterSettling + -result.UsageChange;
            var fundsAfterReversal = fundsAfterSettling - -result.FundDebits;

            Assert.Equal(input.UsedThisYear, usedAfterReversal);
            Assert.Equal(input.FundBalances, fundsAfterReversal);
            Assert.Equal(input.UsedThisYear, usedAfterSettling.Subtract(result.UsageChange));
            Assert.Equal(input.FundBalances, fundsAfterSettling.Add(result.FundDebits));

            // The usage change records exactly what the channels paid.
            Assert.Equal(result[Channel.InsuranceSubsidy].Amount, result.UsageChange.InsuranceSubsidy);
            Assert.Equal(result[Channel.Outpatient].Amount, result.UsageChange.Outpatient);
            Assert.Equal(result[Channel.Inpatient].Amount, result.UsageChange.Inpatient);
            Assert.Equal(result[Channel.Temporary].Amount, result.UsageChange.Temporary);
            Assert.Equal(result[Channel.Charity].Amount, result.UsageChange.Charity);
        }, iter: Iterations);
    }

    [Fact]
    public void Settle_WhenInsurancePaysMoreOfTheSameBill_NeverIncreasesAssistanceTotal()
    {
        var gen =
            from input in Generators.Input
            from extraFen in Gen.Long[0, input.Bill.PolicyScope.Fen - input.Bill.InsurancePaid.Fen]
            select (input, extra: new Money(extraFen));

        gen.Sample((input, extra) =>
        {
            var morePaid = input with { Bill = input.Bill with { OtherInsurancePaid = input.Bill.OtherInsurancePaid + extra } };

            var before = SettlementCalculator.Calculate(input);
            var after = SettlementCalculator.Calculate(morePaid);

            Assert.True(
                after.AssistanceTotal <= before.AssistanceTotal,
                $"insurance +{extra}: assistance {before.AssistanceTotal} → {after.AssistanceTotal}");
        }, iter: Iterations);
    }

    [Fact]
    public void Settle_SameInputTwice_GivesEqualResults()
    {
        Generators.Input.Sample(input =>
        {
            var first = SettlementCalculator.Calculate(input);
            var second = SettlementCalculator.Calculate(input);

            Assert.Equal(first.PatientPays, second.PatientPays);
            Assert.Equal(first.AssistanceTotal, second.AssistanceTotal);
            Assert.Equal(first.FundsSettled, second.FundsSettled);
            Assert.Equal(first.FundDebits, second.FundDebits);
            Assert.Equal(first.UsageChange, second.UsageChange);
            Assert.Equal(first.Channels.Count, second.Channels.Count);
            for (var i = 0; i < first.Channels.Count; i++)
            {
                Assert.Equal(first.Channels[i].Channel, second.Channels[i].Channel);
                Assert.Equal(first.Channels[i].Amount, second.Channels[i].Amount);
                Assert.Equal(first.Channels[i].Reasons, second.Channels[i].Reasons);
                Assert.Equal(first.Channels[i].Trace, second.Channels[i].Trace);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Settle_AnyInput_MarksExactlyTheOtherMedicalChannelNotApplicable()
    {
        Generators.Input.Sample(input =>
        {
            var result = SettlementCalculator.Calculate(input);
            var outpatientNotApplicable = result[Channel.Outpatient].Has(ReasonCode.NotApplicableVisitType);
            var inpatientNotApplicable = result[Channel.Inpatient].Has(ReasonCode.NotApplicableVisitType);

            Assert.True(outpatientNotApplicable ^ inpatientNotApplicable);
            Assert.Equal(input.VisitType == VisitType.Inpatient, outpatientNotApplicable);
            var other = input.VisitType == VisitType.Inpatient ? Channel.Outpatient : Channel.Inpatient;
            Assert.Equal(Money.Zero, result[other].Amount);
            Assert.Equal([ReasonCode.NotApplicableVisitType], result[other].Reasons);
            Assert.All(
                new[] { Channel.InsuranceSubsidy, Channel.Temporary, Channel.Charity },
                channel => Assert.False(result[channel].Has(ReasonCode.NotApplicableVisitType)));
        }, iter: Iterations);
    }
}
