namespace MedicalAid.LoadDriver.Tests;

/// <summary>The goals the benchmark prints decide on the median of its rounds, and a run without figures meets nothing.</summary>
public sealed class ReportTests
{
    [Fact]
    public void Median_OfAnOddAndAnEvenCount_IsTheMiddleOrTheMeanOfTheTwoMiddles()
    {
        Assert.Equal(0.58, Report.Median([0.72, 0.58, 0.45]));
        Assert.Equal(0.5, Report.Median([0.6, 0.4, 0.7, 0.3]));
        Assert.True(double.IsNaN(Report.Median([])));
    }

    [Fact]
    public void Goals_WithThreeRounds_DecideOnTheMedianRatioAndP99_AndNameEveryRound()
    {
        Measurement[] measurements =
        [
            Api("SQLite", 8, null, round: 1, ratio: 0.45, p99: 28),
            Api("SQLite", 8, null, round: 2, ratio: 0.58, p99: 31),
            Api("SQLite", 8, null, round: 3, ratio: 0.90, p99: 33),
            Api("SQLite", 8, 275, round: 1, ratio: null, p99: 31.5),
            Api("SQLite", 8, 275, round: 2, ratio: null, p99: 26.8),
            Api("SQLite", 8, 275, round: 3, ratio: null, p99: 19),
        ];

        var goals = Report.Goals(measurements);

        Assert.Contains("SQLite ratio ≥ 0.5 at 8 clients: 0.58 (median of 3 rounds: 0.45, 0.58, 0.90) — met", goals);
        Assert.Contains("p99 ≤ 20 ms at half of peak, API on SQLite, 8 clients (275/s): 26.8 ms (median of 3 rounds: 31.50, 26.80, 19.00) — NOT met", goals);
    }

    [Fact]
    public void Goals_WhenOneRoundCompletedNoRequest_CountItAsTheWorstRound_NotAsMissing()
    {
        var goals = Report.Goals(
        [
            Api("PostgreSQL", 32, 160, round: 1, ratio: null, p99: 15),
            Api("PostgreSQL", 32, 160, round: 2, ratio: null, p99: double.NaN),
            Api("PostgreSQL", 32, 160, round: 3, ratio: null, p99: 18),
        ]);

        // Worst of three, the median is the other worse round (18), not the mean of the two that completed (16.5).
        Assert.Contains(goals, goal => goal.StartsWith("p99 ≤ 20 ms at half of peak, API on PostgreSQL, 32 clients (160/s): 18.0 ms", StringComparison.Ordinal) && goal.EndsWith("— met", StringComparison.Ordinal));
    }

    [Fact]
    public void Goals_WhenNoRunCompletedARequest_AreNotMet()
    {
        var goals = Report.Goals([Api("PostgreSQL", 32, 160, round: null, ratio: null, p99: double.NaN)]);

        Assert.Contains(goals, goal => goal.StartsWith("p99 ≤ 20 ms at half of peak, API on PostgreSQL, 32 clients", StringComparison.Ordinal) && goal.EndsWith("NOT met", StringComparison.Ordinal));
    }

    private static Measurement Api(string database, int clients, double? rate, int? round, double? ratio, double p99) =>
        new(database, $"API on {database}", clients, rate,
            new LoadResult(15, 100, 0, new LatencySummary(100, 5, 10, p99, p99, 6), new Dictionary<string, long>()), 190, null)
        {
            Round = round,
            Ratio = ratio,
        };
}
