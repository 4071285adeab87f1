using System.Globalization;
using CsCheck;
using MedicalAid.Api.Reports;

namespace MedicalAid.Api.Tests;

/// <summary>How the summary report cuts a range of service dates into whole months (from the rollups) and partial months (from the settlements).</summary>
public sealed class ReportRangeTests
{
    private static readonly int LastDay = DateOnly.MaxValue.DayNumber;

    /// <summary>Any day of the calendar, the first and last months of it drawn often, month ends and starts drawn often.</summary>
    private static readonly Gen<DateOnly> Day = Gen.Frequency(
        (4, Gen.Int[0, LastDay].Select(DateOnly.FromDayNumber)),
        (2, Gen.Int[0, 62].Select(DateOnly.FromDayNumber)),
        (2, Gen.Int[LastDay - 62, LastDay].Select(DateOnly.FromDayNumber)),
        (2, Gen.Int[1, 9999].SelectMany(year => Gen.Int[1, 12].Select(month => new DateOnly(year, month, 1)))),
        (2, Gen.Int[1, 9999].SelectMany(year => Gen.Int[1, 12].Select(month => new DateOnly(year, month, DateTime.DaysInMonth(year, month))))));

    private static readonly Gen<(DateOnly From, DateOnly To)> Range =
        Gen.Select(Day, Gen.Int[0, SummaryReportService.MaxRangeDays - 1], Gen.Bool).Select((day, length, backwards) =>
            backwards
                ? (DateOnly.FromDayNumber(Math.Max(0, day.DayNumber - length)), day)
                : (day, DateOnly.FromDayNumber(Math.Min(LastDay, day.DayNumber + length))));

    [Fact]
    public void Of_AnyRange_CoversEveryDayOnceWithWholeMonthsAndAtMostTwoPartialMonths()
    {
        Range.Sample(range =>
        {
            var (from, to) = range;
            var cut = ReportRange.Of(from, to);
            var pieces = cut.PartialMonths.ToList();
            if (cut.WholeMonths is { } whole)
            {
                Assert.Equal(1, whole.First.Day);
                Assert.Equal(1, whole.Last.Day);
                Assert.True(whole.First <= whole.Last);
                pieces.Add((whole.First, LastOfMonth(whole.Last)));
            }

            Assert.InRange(cut.PartialMonths.Count, 0, 2);
            Assert.All(cut.PartialMonths, partial =>
            {
                Assert.Equal((partial.Start.Year, partial.Start.Month), (partial.End.Year, partial.End.Month));
                Assert.False(partial.Start.Day == 1 && partial.End == LastOfMonth(partial.End), $"{partial} is a whole month");
            });

            // In date order the pieces run from the first day to the last with no gap and no day twice.
            var ordered = pieces.OrderBy(piece => piece.Start).ToList();
            Assert.Equal(from, ordered[0].Start);
            Assert.Equal(to, ordered[^1].End);
            for (var i = 0; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].Start <= ordered[i].End);
                if (i > 0)
                {
                    Assert.Equal(ordered[i - 1].End.DayNumber + 1, ordered[i].Start.DayNumber);
                }
            }
        });
    }

    [Theory]
    [InlineData("9999-12-31", "9999-12-31", "partial 9999-12-31..9999-12-31")]
    [InlineData("9999-12-01", "9999-12-31", "whole 9999-12..9999-12")]
    [InlineData("9999-11-15", "9999-12-31", "whole 9999-12..9999-12; partial 9999-11-15..9999-11-30")]
    [InlineData("0001-01-01", "0001-01-01", "partial 0001-01-01..0001-01-01")]
    [InlineData("0001-01-01", "0001-01-31", "whole 0001-01..0001-01")]
    [InlineData("0001-01-02", "0001-02-10", "partial 0001-01-02..0001-01-31; partial 0001-02-01..0001-02-10")]
    public void Of_AtTheEdgesOfTheCalendar_CutsTheRangeWithoutSteppingOffIt(string from, string to, string expected)
    {
        var cut = ReportRange.Of(DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture));

        var whole = cut.WholeMonths is { } months ? [$"whole {months.First:yyyy-MM}..{months.Last:yyyy-MM}"] : Array.Empty<string>();
        var partial = cut.PartialMonths.Select(piece => $"partial {piece.Start:yyyy-MM-dd}..{piece.End:yyyy-MM-dd}");
        Assert.Equal(expected, string.Join("; ", whole.Concat(partial)));
    }

    [Fact]
    public void Mask_OfWholeMonthsOfOneYear_HasOneBitPerMonth()
    {
        var span = new MonthSpan(new DateOnly(9999, 10, 1), new DateOnly(9999, 12, 1));

        Assert.Equal(0b1110_0000_0000, span.Mask);
    }

    private static DateOnly LastOfMonth(DateOnly date) => new(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month));
}
