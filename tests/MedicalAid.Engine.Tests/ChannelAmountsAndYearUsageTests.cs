namespace MedicalAid.Engine.Tests;

/// <summary>
/// The per-channel and per-year arithmetic a settlement and its reversal are applied with: every field on its own,
/// with a different amount in each so that a field added to the wrong place or subtracted instead shows.
/// </summary>
public sealed class ChannelAmountsAndYearUsageTests
{
    private static readonly ChannelAmounts Balances = new(new Money(1_000), new Money(2_000), new Money(3_000), new Money(4_000), new Money(5_000));

    private static readonly ChannelAmounts Debits = new(new Money(1), new Money(20), new Money(300), new Money(4_000), new Money(5));

    [Fact]
    public void ChannelAmounts_Plus_AddsEachChannelToItself()
    {
        var expected = new ChannelAmounts(new Money(1_001), new Money(2_020), new Money(3_300), new Money(8_000), new Money(5_005));

        Assert.Equal(expected, Balances + Debits);
        Assert.Equal(expected, Balances.Add(Debits));
    }

    [Fact]
    public void ChannelAmounts_Minus_SubtractsEachChannelFromItself()
    {
        var expected = new ChannelAmounts(new Money(999), new Money(1_980), new Money(2_700), Money.Zero, new Money(4_995));

        Assert.Equal(expected, Balances - Debits);
        Assert.Equal(expected, Balances.Subtract(Debits));
        Assert.Equal(new ChannelAmounts(new Money(-1), new Money(-20), new Money(-300), new Money(-4_000), new Money(-5)), Debits.Negate());
    }

    [Fact]
    public void ChannelAmounts_Sum_AddsAllFiveChannels()
    {
        Assert.Equal(new Money(4_326), Debits.Sum);
    }

    [Fact]
    public void ChannelAmounts_IndexerAndWith_AddressEachChannelByName()
    {
        Assert.Equal(new Money(1), Debits[Channel.InsuranceSubsidy]);
        Assert.Equal(new Money(20), Debits[Channel.Outpatient]);
        Assert.Equal(new Money(300), Debits[Channel.Inpatient]);
        Assert.Equal(new Money(4_000), Debits[Channel.Temporary]);
        Assert.Equal(new Money(5), Debits[Channel.Charity]);

        Assert.Equal(Debits with { Temporary = new Money(7) }, Debits.With(Channel.Temporary, new Money(7)));
        Assert.Equal(Debits with { InsuranceSubsidy = new Money(7) }, Debits.With(Channel.InsuranceSubsidy, new Money(7)));
    }

    [Fact]
    public void ChannelAmounts_WhenChannelIsUnknown_ThrowsNamingIt()
    {
        const Channel unknown = (Channel)5;

        var read = Assert.Throws<ArgumentOutOfRangeException>(() => Debits[unknown]);
        var write = Assert.Throws<ArgumentOutOfRangeException>(() => Debits.With(unknown, Money.Zero));

        foreach (var exception in new[] { read, write })
        {
            Assert.Equal("channel", exception.ParamName);
            Assert.Equal(unknown, exception.ActualValue);
            Assert.StartsWith("Unknown channel.", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void YearUsage_Plus_AddsEachFigureToItself()
    {
        var used = new YearUsage(new Money(1), new Money(2), new Money(3), new Money(4), new Money(5), new Money(6), new Money(7));
        var change = new YearUsage(new Money(10), new Money(200), new Money(3_000), new Money(40_000), new Money(500_000), new Money(6_000_000), new Money(70_000_000));
        var expected = new YearUsage(new Money(11), new Money(202), new Money(3_003), new Money(40_004), new Money(500_005), new Money(6_000_006), new Money(70_000_007));

        Assert.Equal(expected, used + change);
        Assert.Equal(expected, used.Add(change));
        Assert.Equal(used, expected - change);
        Assert.Equal(used, expected.Subtract(change));
        Assert.Equal(Money.Zero, (change + change.Negate()).OutpatientDeductible);
    }

    [Fact]
    public void YearUsage_DeductibleAndAssistanceUsed_ReadTheFiguresOfTheVisitType()
    {
        var used = new YearUsage(
            InsuranceSubsidy: new Money(1),
            OutpatientDeductible: new Money(2),
            InpatientDeductible: new Money(3),
            Outpatient: new Money(40),
            Inpatient: new Money(500),
            Temporary: new Money(6),
            Charity: new Money(7));

        Assert.Equal(new Money(2), used.DeductibleUsed(VisitType.Outpatient));
        Assert.Equal(new Money(3), used.DeductibleUsed(VisitType.Inpatient));
        Assert.Equal(new Money(40), used.AssistanceUsed(VisitType.Outpatient));
        Assert.Equal(new Money(500), used.AssistanceUsed(VisitType.Inpatient));
        // Outpatient plus inpatient count against the shared annual cap; deductibles, temporary and charity do not.
        Assert.Equal(new Money(540), used.MedicalAssistance);
        Assert.True(used.InsuranceSubsidyPaid);
        Assert.False(YearUsage.None.InsuranceSubsidyPaid);
    }
}
