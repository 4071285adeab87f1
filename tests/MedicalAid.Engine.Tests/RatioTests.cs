namespace MedicalAid.Engine.Tests;

public sealed class RatioTests
{
    [Theory]
    [InlineData(7_000, 5, 4)]     // 3.5 fen → 4
    [InlineData(7_000, -5, -4)]   // −3.5 fen → −4 (away from zero, not towards +∞)
    [InlineData(7_500, 2, 2)]     // 1.5 → 2
    [InlineData(7_500, -2, -2)]   // −1.5 → −2
    [InlineData(7_000, 2, 1)]     // 1.4 → 1
    [InlineData(7_000, -2, -1)]   // −1.4 → −1
    [InlineData(5_000, 1, 1)]     // 0.5 → 1
    [InlineData(5_000, -1, -1)]   // −0.5 → −1
    [InlineData(6_500, 10, 7)]    // 6.5 → 7
    [InlineData(3_000, 200_005, 60_002)] // 60,001.5 → 60,002
    [InlineData(-5_000, 3, -2)]   // negative ratio: −1.5 → −2
    [InlineData(-5_000, -3, 2)]   // −50% of −3 = 1.5 → 2
    [InlineData(1, 4_999, 0)]     // 0.4999 → 0
    [InlineData(1, 5_000, 1)]     // 0.5 → 1
    [InlineData(0, 12_345, 0)]
    [InlineData(10_000, 12_345, 12_345)]
    public void Of_Always_RoundsHalfAwayFromZero(int basisPoints, long fen, long expectedFen)
    {
        Assert.Equal(new Money(expectedFen), new Ratio(basisPoints).Of(new Money(fen)));
    }

    [Fact]
    public void Of_WhenTheProductExceedsALongButTheResultFits_IsExact()
    {
        Assert.Equal(new Money(long.MaxValue), Ratio.One.Of(new Money(long.MaxValue)));
        Assert.Equal(new Money(long.MinValue / 2), new Ratio(5_000).Of(new Money(long.MinValue)));
    }

    [Fact]
    public void Of_WhenTheResultOverflows_Throws()
    {
        Assert.Throws<OverflowException>(() => new Ratio(20_000).Of(new Money(long.MaxValue)));
    }

    [Fact]
    public void FromDecimal_WhenFinerThanABasisPoint_IsAnError()
    {
        Assert.Equal(new Ratio(7_500), Ratio.FromDecimal(0.75m));
        Assert.Equal(new Ratio(1), Ratio.FromDecimal(0.0001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ratio.FromDecimal(0.00005m));
        Assert.False(Ratio.TryFromDecimal(decimal.MaxValue, out _));
        Assert.False(Ratio.TryFromDecimal(1e25m, out _));
    }

    [Fact]
    public void ClampToZeroAndOne_WhenOutside_ClampsToTheNearestEnd()
    {
        Assert.Equal(Ratio.One, new Ratio(10_500).ClampToZeroAndOne());
        Assert.Equal(Ratio.Zero, new Ratio(-200).ClampToZeroAndOne());
        Assert.Equal(new Ratio(7_000), (Ratio.FromPercent(75) + Ratio.FromPercent(-5)).ClampToZeroAndOne());
        Assert.False(new Ratio(10_001).IsWithinZeroAndOne);
        Assert.True(Ratio.One.IsWithinZeroAndOne);
    }

    [Fact]
    public void ToString_WritesTheFraction()
    {
        Assert.Equal("0.75", Ratio.FromPercent(75).ToString());
        Assert.Equal("-0.05", Ratio.FromPercent(-5).ToString());
        Assert.Equal("1", Ratio.One.ToString());
    }

    [Fact]
    public void FromPercent_WhenBasisPointsOverflow_Throws()
    {
        // 21,474,837% is 2,147,483,700 basis points, one more hundred than an int holds.
        Assert.Equal(new Ratio(2_147_483_600), Ratio.FromPercent(21_474_836));
        Assert.Throws<OverflowException>(() => Ratio.FromPercent(21_474_837));
        Assert.Throws<OverflowException>(() => Ratio.FromPercent(-21_474_837));
    }

    [Fact]
    public void Plus_WhenBasisPointsOverflow_Throws()
    {
        Assert.Equal(new Ratio(int.MaxValue), new Ratio(int.MaxValue - 1) + new Ratio(1));
        Assert.Throws<OverflowException>(() => new Ratio(int.MaxValue) + new Ratio(1));
        Assert.Throws<OverflowException>(() => new Ratio(int.MinValue).Add(new Ratio(-1)));
    }

    [Fact]
    public void FromDecimal_AtTheEndsOfTheRange_IsExactAndJustBeyondIsRefused()
    {
        Assert.Equal(new Ratio(int.MinValue), Ratio.FromDecimal(-214_748.3648m));
        Assert.Equal(new Ratio(int.MaxValue), Ratio.FromDecimal(214_748.3647m));
        Assert.False(Ratio.TryFromDecimal(-214_748.3649m, out _));
        Assert.False(Ratio.TryFromDecimal(214_748.3648m, out _));
    }

    [Theory]
    [InlineData("-1000000")]
    [InlineData("1000000")]
    public void TryFromDecimal_WhenBeyondTheRangeOfBasisPoints_ReturnsFalseWithoutThrowing(string fraction)
    {
        Assert.False(Ratio.TryFromDecimal(decimal.Parse(fraction, System.Globalization.CultureInfo.InvariantCulture), out var ratio));
        Assert.Equal(Ratio.Zero, ratio);
    }

    [Fact]
    public void FromDecimal_WhenRefused_SaysARatioHasAtMostFourDecimals()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Ratio.FromDecimal(0.00005m));

        Assert.Equal("fraction", exception.ParamName);
        Assert.StartsWith("A ratio has at most four decimals", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsWithinZeroAndOne_IncludesBothEnds()
    {
        Assert.True(Ratio.Zero.IsWithinZeroAndOne);
        Assert.True(Ratio.One.IsWithinZeroAndOne);
        Assert.False(new Ratio(-1).IsWithinZeroAndOne);
    }

    [Fact]
    public void ComparisonOperators_FollowTheBasisPoints()
    {
        var low = new Ratio(500);
        var high = new Ratio(7_500);

        Assert.True(low < high);
        Assert.False(high < low);
        Assert.False(low < new Ratio(500));
        Assert.True(high > low);
        Assert.False(low > high);
        Assert.False(low > new Ratio(500));
        Assert.True(low <= new Ratio(500));
        Assert.True(low <= high);
        Assert.False(high <= low);
        Assert.True(low >= new Ratio(500));
        Assert.True(high >= low);
        Assert.False(low >= high);
        Assert.True(low.CompareTo(high) < 0);
    }
}
