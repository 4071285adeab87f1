using System.Globalization;

namespace MedicalAid.Engine;

/// <summary>
/// A proportion in basis points (1/10,000), so 75% is 7,500 and a hospital-level adjustment of
/// −5 points is −500. Integer-only, so applying a ratio to money never passes through binary floating point.
/// </summary>
public readonly record struct Ratio(int BasisPoints) : IComparable<Ratio>
{
    public const int BasisPointsPerWhole = 10_000;

    public static Ratio Zero => default;

    public static Ratio One => new(BasisPointsPerWhole);

    public static Ratio FromPercent(int percent) => new(checked(percent * 100));

    /// <summary>Converts a fraction such as 0.75; more precision than a basis point is an error.</summary>
    public static Ratio FromDecimal(decimal fraction) =>
        TryFromDecimal(fraction, out var ratio)
            ? ratio
            : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "A ratio has at most four decimals (a basis point).");

    public static bool TryFromDecimal(decimal fraction, out Ratio ratio)
    {
        ratio = Zero;
        // Range-check before multiplying: fraction × 10,000 overflows decimal itself (and throws) beyond about 7.9e24.
        if (fraction < int.MinValue / (decimal)BasisPointsPerWhole || fraction > int.MaxValue / (decimal)BasisPointsPerWhole)
        {
            return false;
        }

        var basisPoints = fraction * BasisPointsPerWhole;
        if (basisPoints != decimal.Truncate(basisPoints))
        {
            return false;
        }

        ratio = new Ratio(decimal.ToInt32(basisPoints));
        return true;
    }

    public decimal ToDecimal() => BasisPoints / (decimal)BasisPointsPerWhole;

    public bool IsWithinZeroAndOne => BasisPoints is >= 0 and <= BasisPointsPerWhole;

    public Ratio ClampToZeroAndOne() => new(Math.Clamp(BasisPoints, 0, BasisPointsPerWhole));

    /// <summary>
    /// This share of <paramref name="amount"/>, rounded half away from zero (四舍五入) to the fen.
    /// </summary>
    public Money Of(Money amount)
    {
        var (quotient, remainder) = Int128.DivRem((Int128)amount.Fen * BasisPoints, BasisPointsPerWhole);
        var roundsAway = Int128.Abs(remainder) * 2 >= BasisPointsPerWhole;
        var sign = (amount.Fen < 0) ^ (BasisPoints < 0) ? -1 : 1;
        return new Money(checked((long)(quotient + (roundsAway ? sign : 0))));
    }

    public static Ratio operator +(Ratio left, Ratio right) => new(checked(left.BasisPoints + right.BasisPoints));

    public static bool operator <(Ratio left, Ratio right) => left.BasisPoints < right.BasisPoints;

    public static bool operator >(Ratio left, Ratio right) => left.BasisPoints > right.BasisPoints;

    public static bool operator <=(Ratio left, Ratio right) => left.BasisPoints <= right.BasisPoints;

    public static bool operator >=(Ratio left, Ratio right) => left.BasisPoints >= right.BasisPoints;

    public int CompareTo(Ratio other) => BasisPoints.CompareTo(other.BasisPoints);

    public Ratio Add(Ratio other) => this + other;

    public override string ToString() => ToDecimal().ToString("0.####", CultureInfo.InvariantCulture);
}
