using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MedicalAid.Engine;

/// <summary>
/// An amount of renminbi in whole fen (分). All arithmetic is checked: an overflow throws
/// rather than wrapping round into a wrong amount.
/// </summary>
public readonly record struct Money(long Fen) : IComparable<Money>
{
    private const int FenPerYuan = 100;

    public static Money Zero => default;

    public bool IsNegative => Fen < 0;

    public bool IsPositive => Fen > 0;

    public static Money FromYuan(long yuan) => new(checked(yuan * FenPerYuan));

    /// <summary>Converts yuan with at most two decimals; a third decimal is an error, never rounded away.</summary>
    public static Money FromYuan(decimal yuan) =>
        TryFromYuan(yuan, out var money)
            ? money
            : throw new ArgumentOutOfRangeException(nameof(yuan), yuan, "An amount in yuan has at most two decimals and fits in a 64-bit count of fen.");

    public static bool TryFromYuan(decimal yuan, out Money money)
    {
        money = Zero;
        if (yuan.Scale > 2 && decimal.Round(yuan, 2) != yuan)
        {
            return false;
        }

        // Range-check before multiplying: yuan × 100 overflows decimal itself (and throws) beyond about 7.9e26.
        if (yuan < long.MinValue / (decimal)FenPerYuan || yuan > long.MaxValue / (decimal)FenPerYuan)
        {
            return false;
        }

        money = new Money(decimal.ToInt64(yuan * FenPerYuan));
        return true;
    }

    /// <summary>Parses "1234", "1234.5" or "1234.56" (invariant culture); more decimals fail.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Money money)
    {
        money = Zero;
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan)
            && TryFromYuan(yuan, out money);
    }

    public static Money Parse(string text) =>
        TryParse(text, out var money) ? money : throw new FormatException($"'{text}' is not an amount in yuan with at most two decimals.");

    /// <summary>The amount in yuan, always with two decimals (scale 2), so 6000 yuan writes as 6000.00.</summary>
    public decimal ToYuan()
    {
        var magnitude = Fen == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(Fen);
        return new decimal((int)(magnitude & 0xFFFF_FFFF), (int)(magnitude >> 32), 0, Fen < 0, 2);
    }

    public override string ToString() => ToYuan().ToString("0.00", CultureInfo.InvariantCulture);

    public static Money Min(Money first, Money second) => first.Fen <= second.Fen ? first : second;

    public static Money Max(Money first, Money second) => first.Fen >= second.Fen ? first : second;

    /// <summary>What is left of a limit after <paramref name="used"/>; never below zero.</summary>
    public static Money Remaining(Money limit, Money used) => Max(Zero, limit - used);

    public static Money operator +(Money left, Money right) => new(checked(left.Fen + right.Fen));

    public static Money operator -(Money left, Money right) => new(checked(left.Fen - right.Fen));

    public static Money operator -(Money value) => new(checked(-value.Fen));

    public static bool operator <(Money left, Money right) => left.Fen < right.Fen;

    public static bool operator >(Money left, Money right) => left.Fen > right.Fen;

    public static bool operator <=(Money left, Money right) => left.Fen <= right.Fen;

    public static bool operator >=(Money left, Money right) => left.Fen >= right.Fen;

    public int CompareTo(Money other) => Fen.CompareTo(other.Fen);

    public Money Add(Money other) => this + other;

    public Money Subtract(Money other) => this - other;

    public Money Negate() => -this;
}
