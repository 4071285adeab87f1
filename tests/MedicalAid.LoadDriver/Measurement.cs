using System.Globalization;
using System.Text;

namespace MedicalAid.LoadDriver;

/// <summary>One line of a benchmark's results.</summary>
internal sealed record Measurement(
    string Database,
    string System,
    int Clients,
    double? OpenLoopRate,
    LoadResult Result,
    double? PeakMemoryMiB,
    CpuUse? Cpu)
{
    /// <summary>For an API line: its throughput over the limit's at the same clients and load kind.</summary>
    public double? Ratio { get; init; }

    /// <summary>Which of the benchmark's rounds this is (<c>--rounds</c>); null with one round.</summary>
    public int? Round { get; init; }

    public bool IsApi => System.StartsWith("API", StringComparison.Ordinal);

    public string Load => (OpenLoopRate is { } rate
        ? string.Create(CultureInfo.InvariantCulture, $"open loop {rate:0}/s (half of peak)")
        : "closed loop (peak)") + RoundTag;

    /// <summary>" #n" for a run of round n of several, else nothing; the same in every table and line.</summary>
    public string RoundTag => Round is { } round ? string.Create(CultureInfo.InvariantCulture, $" #{round}") : "";

    public string Line() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Database,-10} {System,-34} {Clients,3} clients  {Load,-34} {Result.PerSecond,8:0.0}/s  p50 {Result.Latency.P50,7:0.0}  p95 {Result.Latency.P95,7:0.0}  p99 {Result.Latency.P99,7:0.0} ms  errors {Result.Failed}{(PeakMemoryMiB is { } mib ? $"  peak RSS {mib:0} MiB" : "")}{(Ratio is { } ratio ? $"  ratio {ratio:0.00}" : "")}{(Cpu is { } cpu ? $"  [other load {cpu.OtherCores:0.0} cores]" : "")}");
}

/// <summary>Prints results as text and as a markdown table for the README.</summary>
internal static class Report
{
    public static string Markdown(IReadOnlyList<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        var text = new StringBuilder();
        text.AppendLine("| Database | What | Clients | Load | Per second | p50 ms | p95 ms | p99 ms | Errors | API peak RSS (MiB) | API ÷ limit | Other load (cores) |");
        text.AppendLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            text.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {m.Database} | {m.System} | {m.Clients} | {(m.OpenLoopRate is { } rate ? $"open {rate:0}/s" : "closed")}{m.RoundTag} | {m.Result.PerSecond:0.0} | {m.Result.Latency.P50:0.0} | {m.Result.Latency.P95:0.0} | {m.Result.Latency.P99:0.0} | {m.Result.Failed} | {(m.PeakMemoryMiB is { } mib ? mib.ToString("0", CultureInfo.InvariantCulture) : "")} | {(m.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "")} | {(m.Cpu is { } cpu ? cpu.OtherCores.ToString("0.0", CultureInfo.InvariantCulture) : "")} |"));
        }

        return text.ToString();
    }

    /// <summary>The middle value, or the mean of the two middle ones; NaN for no values.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The issue's goals, each with the figures that decide it.</summary>
    public static IReadOnlyList<string> Goals(IReadOnlyList<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        var lines = new List<string>();
        foreach (var (database, goal) in new[] { ("PostgreSQL", 1.0), ("SQLite", 0.5) })
        {
            foreach (var runs in ApiRuns(measurements, m => m.Database == database && m.OpenLoopRate is null && m.Ratio is not null))
            {
                var ratio = Median([.. runs.Select(m => m.Ratio!.Value)]);
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{database} ratio ≥ {goal:0.0} at {runs[0].Clients} clients: {ratio:0.00}{Rounds(runs, m => m.Ratio!.Value)} — {(ratio >= goal ? "met" : "NOT met")}"));
            }
        }

        foreach (var runs in ApiRuns(measurements, m => m.OpenLoopRate is not null))
        {
            // A round that completed no request has no p99: it counts as the worst round, not as a round that was never run.
            var p99 = Median([.. runs.Select(m => double.IsNaN(m.Result.Latency.P99) ? double.PositiveInfinity : m.Result.Latency.P99)]);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"p99 ≤ 20 ms at half of peak, {runs[0].System}, {runs[0].Clients} clients ({runs[0].OpenLoopRate:0}/s): {p99:0.0} ms{Rounds(runs, m => m.Result.Latency.P99)} — {(p99 <= 20 ? "met" : "NOT met")}"));
        }

        var peaks = measurements.Where(m => m.PeakMemoryMiB is not null).ToList();
        if (peaks.Count > 0)
        {
            var top = peaks.MaxBy(m => m.PeakMemoryMiB)!;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"API memory ≤ 250 MB: highest peak RSS {top.PeakMemoryMiB:0} MiB ({top.PeakMemoryMiB * 1.048576:0} MB; {top.System}, {top.Clients} clients) — {(top.PeakMemoryMiB * 1.048576 <= 250 ? "met" : "NOT met")}"));
        }

        return lines;
    }

    /// <summary>The API's runs that match, grouped by system and client count, in the order they ran.</summary>
    private static IEnumerable<IReadOnlyList<Measurement>> ApiRuns(IReadOnlyList<Measurement> measurements, Func<Measurement, bool> match) =>
        measurements.Where(m => m.IsApi && match(m)).GroupBy(m => (m.System, m.Clients)).Select(group => (IReadOnlyList<Measurement>)[.. group]);

    private static string Rounds(IReadOnlyList<Measurement> runs, Func<Measurement, double> value) =>
        runs.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" (median of {runs.Count} rounds: {string.Join(", ", runs.Select(m => value(m).ToString("0.00", CultureInfo.InvariantCulture)))})") : "";
}
