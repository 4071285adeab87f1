namespace MedicalAid.LoadDriver.Tests;

/// <summary>
/// How the benchmark pairs the database's own limit with the API: rounds alternate limit then API, each API peak is
/// divided by the limit run just before it, and the open loops run at half of each side's median peak.
/// </summary>
public sealed class SideBySideTests
{
    [Fact]
    public async Task MeasureSideBySide_AlternatesLimitAndApi_AndTakesEachRatioAgainstTheLimitJustBefore()
    {
        var calls = new List<string>();
        var limitPeaks = new Queue<double>([800, 400, 500]);
        var apiPeaks = new Queue<double>([400, 300, 360]);
        var measurements = new List<Measurement>();

        await BenchmarkCommand.MeasureSideBySideAsync(
            new BenchmarkCommand.Plan(Half: true, Rounds: 3),
            rate => Task.FromResult(Fake("limit", rate, calls, limitPeaks)),
            rate => Task.FromResult(Fake("API on PostgreSQL", rate, calls, apiPeaks)),
            measurements,
            TextWriter.Null);

        // Peaks alternate; the open loops follow, at half of the median peak of each side (500/2 and 360/2, not the means).
        Assert.Equal(
            ["limit peak", "API on PostgreSQL peak", "limit peak", "API on PostgreSQL peak", "limit peak", "API on PostgreSQL peak",
             "limit 250/s", "API on PostgreSQL 180/s", "limit 250/s", "API on PostgreSQL 180/s", "limit 250/s", "API on PostgreSQL 180/s"],
            calls);
        Assert.Equal([0.5, 0.75, 0.72], measurements.Where(m => m.IsApi && m.OpenLoopRate is null).Select(m => m.Ratio!.Value));
        Assert.Equal([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3], measurements.Select(m => m.Round!.Value));
        Assert.All(measurements.Where(m => !m.IsApi || m.OpenLoopRate is not null), m => Assert.Null(m.Ratio));
    }

    [Fact]
    public async Task MeasureSideBySide_WithOneRoundAndNoHalf_MeasuresOnePairWithoutRoundTags()
    {
        var (calls, measurements) = await OneRoundAsync(half: false, limitPeak: 1000, apiPeak: 550);

        Assert.Equal(["limit peak", "API on PostgreSQL peak"], calls);
        Assert.All(measurements, m => Assert.Null(m.Round));
        Assert.Equal(0.55, measurements[1].Ratio!.Value, 3);
    }

    [Fact]
    public async Task MeasureSideBySide_WhenASideCompletedNothing_SkipsItsOpenLoopInsteadOfRunningAtZero()
    {
        var (calls, measurements) = await OneRoundAsync(half: true, limitPeak: 0, apiPeak: 200);

        Assert.Equal(["limit peak", "API on PostgreSQL peak", "API on PostgreSQL 100/s"], calls);
        Assert.Null(measurements[1].Ratio);
    }

    private static async Task<(List<string> Calls, List<Measurement> Measurements)> OneRoundAsync(bool half, double limitPeak, double apiPeak)
    {
        var calls = new List<string>();
        var measurements = new List<Measurement>();
        await BenchmarkCommand.MeasureSideBySideAsync(
            new BenchmarkCommand.Plan(half, Rounds: 1),
            rate => Task.FromResult(Fake("limit", rate, calls, new Queue<double>([limitPeak]))),
            rate => Task.FromResult(Fake("API on PostgreSQL", rate, calls, new Queue<double>([apiPeak]))),
            measurements,
            TextWriter.Null);
        return (calls, measurements);
    }

    /// <summary>A run of <paramref name="system"/>: at its next peak rate when closed loop, at the asked rate when open.</summary>
    private static Measurement Fake(string system, double? rate, List<string> calls, Queue<double> peaks)
    {
        calls.Add(rate is { } asked ? $"{system} {asked:0}/s" : $"{system} peak");
        var perSecond = rate ?? peaks.Dequeue();
        var completed = (long)(perSecond * 10);
        return new Measurement("PostgreSQL", system, 8, rate,
            new LoadResult(10, completed, 0, new LatencySummary(completed, 5, 10, 15, 20, 6), new Dictionary<string, long>()), null, null);
    }
}
