namespace MedicalAid.Engine.Tests;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("6000", 600_000)]
    [InlineData("1.10", 110)]
    [InlineData("1.1", 110)]
    [InlineData("0.01", 1)]
    [InlineData("-12.34", -1_234)]
    [InlineData("0", 0)]
    [InlineData("92233720368547758.07", long.MaxValue)]
    public void Parse_WhenAtMostTwoDecimals_GivesExactFen(string text, long fen)
    {
        Assert.True(Money.TryParse(text, out var money));
        Assert.Equal(new Money(fen), money);
        Assert.Equal(new Money(fen), Money.Parse(text));
    }

    [Theory]
    [InlineData("0.001")]
    [InlineData("1.005")]
    [InlineData("1,000.00")]
    [InlineData(" 1")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("92233720368547758.08")]
    [InlineData("79228162514264337593543950335")]
    public void Parse_WhenNotAnAmountInYuan_FailsRatherThanRounds(string? text)
    {
        Assert.False(Money.TryParse(text, out var money));
        Assert.Equal(Money.Zero, money);
        Assert.Throws<FormatException>(() => Money.Parse(text!));
    }

    [Fact]
    public void FromYuan_WhenThirdDecimalIsNonZero_IsAnErrorNotARounding()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.FromYuan(0.001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.FromYuan(2.345m));
        Assert.False(Money.TryFromYuan(0.001m, out _));
    }

    [Fact]
    public void FromYuan_WhenTrailingZerosBeyondTwoDecimals_IsAccepted()
    {
        Assert.Equal(new Money(110), Money.FromYuan(1.100m));
        Assert.Equal(new Money(110), Money.FromYuan(1.10m));
        Assert.Equal(new Money(600_000), Money.FromYuan(6_000L));
    }

    [Fact]
    public void TryFromYuan_WhenFarBeyondTheRangeOfFen_ReturnsFalseWithoutThrowing()
    {
        Assert.False(Money.TryFromYuan(decimal.MaxValue, out _));
        Assert.False(Money.TryFromYuan(decimal.MinValue, out _));
        Assert.False(Money.TryFromYuan(1e27m, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.FromYuan(decimal.MaxValue));
    }

    [Theory]
    [InlineData(600_000, "6000.00")]
    [InlineData(110, "1.10")]
    [InlineData(5, "0.05")]
    [InlineData(-5, "-0.05")]
    [InlineData(0, "0.00")]
    [InlineData(long.MinValue, "-92233720368547758.08")]
    public void ToString_Always_WritesTwoDecimals(long fen, string expected)
    {
        Assert.Equal(expected, new Money(fen).ToString());
    }

    [Theory]
    [InlineData(600_000)]
    [InlineData(1)]
    [InlineData(-1_234)]
    [InlineData(0)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void ToYuan_Always_HasScaleTwoAndRoundTrips(long fen)
    {
        var yuan = new Money(fen).ToYuan();

        Assert.Equal(2, yuan.Scale);
        Assert.Equal(fen / 100m, yuan);
        Assert.Equal(new Money(fen), Money.FromYuan(yuan));
    }

    [Fact]
    public void Arithmetic_WhenItOverflows_Throws()
    {
        var max = new Money(long.MaxValue);
        var min = new Money(long.MinValue);

        Assert.Throws<OverflowException>(() => max + new Money(1));
        Assert.Throws<OverflowException>(() => min - new Money(1));
        Assert.Throws<OverflowException>(() => -min);
        Assert.Throws<OverflowException>(() => Money.FromYuan(long.MaxValue));
        Assert.Throws<OverflowException>(() => max.Add(max));
    }

    [Fact]
    public void Remaining_WhenUsedExceedsLimit_IsZero()
    {
        Assert.Equal(Money.Zero, Money.Remaining(new Money(100), new Money(150)));
        Assert.Equal(new Money(50), Money.Remaining(new Money(100), new Money(50)));
    }

    [Fact]
    public void Comparisons_FollowTheAmountInFen()
    {
        Assert.True(new Money(1) > Money.Zero);
        Assert.True(new Money(-1).IsNegative);
        Assert.Equal(new Money(1), Money.Min(new Money(1), new Money(2)));
        Assert.Equal(new Money(2), Money.Max(new Money(1), new Money(2)));
        Assert.True(new Money(1).CompareTo(new Money(2)) < 0);
    }

    [Fact]
    public void FromYuanAndParse_WhenRefused_SayWhatIsWrongWithTheAmount()
    {
        var fromYuan = Assert.Throws<ArgumentOutOfRangeException>(() => Money.FromYuan(0.001m));
        var parse = Assert.Throws<FormatException>(() => Money.Parse("12.345"));

        Assert.Equal("yuan", fromYuan.ParamName);
        Assert.StartsWith("An amount in yuan has at most two decimals", fromYuan.Message, StringComparison.Ordinal);
        Assert.Equal("'12.345' is not an amount in yuan with at most two decimals.", parse.Message);
    }

    [Theory]
    [InlineData("-100000000000000000000")] // −1e20 yuan: far below the smallest amount in fen, yet × 100 still fits a decimal
    [InlineData("100000000000000000000")]
    public void TryFromYuan_WhenBeyondTheRangeOfFenButWithinDecimal_ReturnsFalseWithoutThrowing(string yuan)
    {
        Assert.False(Money.TryFromYuan(decimal.Parse(yuan, System.Globalization.CultureInfo.InvariantCulture), out var money));
        Assert.Equal(Money.Zero, money);
    }

    [Fact]
    public void ToYuan_OfZero_IsNotANegativeZero()
    {
        // A decimal can carry a sign on zero; zero fen must never come out as "-0.00" to a serializer that shows it.
        Assert.False(decimal.IsNegative(Money.Zero.ToYuan()));
        Assert.True(decimal.IsNegative(new Money(-1).ToYuan()));
    }

    [Fact]
    public void ComparisonOperators_AtEqualAmounts_FollowStrictAndNonStrictOrder()
    {
        var one = new Money(1);
        var two = new Money(2);

        Assert.False(one > new Money(1));
        Assert.False(one < new Money(1));
        Assert.True(one >= new Money(1));
        Assert.True(one <= new Money(1));
        Assert.True(two >= one);
        Assert.False(one >= two);
        Assert.True(one <= two);
        Assert.False(two <= one);
    }

    [Fact]
    public void Subtract_TakesTheOtherAmountAway()
    {
        Assert.Equal(new Money(-50), new Money(100).Subtract(new Money(150)));
        Assert.Equal(new Money(250), new Money(100).Add(new Money(150)));
    }
}
