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

    public bool IsApi => System.StartsWith("API", StringComparison.Ordinal);

    public string Load => OpenLoopRate is { } rate
        ? string.Create(CultureInfo.InvariantCulture, $"open loop {rate:0}/s (half of peak)")
        : "closed loop (peak)";

    public string Line() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Database,-10} {System,-34} {Clients,3} clients  {Load,-28} {Result.PerSecond,8:0.0}/s  p50 {Result.Latency.P50,7:0.0}  p95 {Result.Latency.P95,7:0.0}  p99 {Result.Latency.P99,7:0.0} ms  errors {Result.Failed}{(PeakMemoryMiB is { } mib ? $"  peak RSS {mib:0} MiB" : "")}{(Ratio is { } ratio ? $"  ratio {ratio:0.00}" : "")}{(Cpu is { } cpu ? $"  [other load {cpu.OtherCores:0.0} cores]" : "")}");
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
                $"| {m.Database} | {m.System} | {m.Clients} | {(m.OpenLoopRate is { } rate ? $"open {rate:0}/s" : "closed")} | {m.Result.PerSecond:0.0} | {m.Result.Latency.P50:0.0} | {m.Result.Latency.P95:0.0} | {m.Result.Latency.P99:0.0} | {m.Result.Failed} | {(m.PeakMemoryMiB is { } mib ? mib.ToString("0", CultureInfo.InvariantCulture) : "")} | {(m.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "")} | {(m.Cpu is { } cpu ? cpu.OtherCores.ToString("0.0", CultureInfo.InvariantCulture) : "")} |"));
        }

        return text.ToString();
    }

    /// <summary>The issue's goals, each with the figures that decide it.</summary>
    public static IReadOnlyList<string> Goals(IReadOnlyList<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        var lines = new List<string>();
        foreach (var (database, goal) in new[] { ("PostgreSQL", 1.0), ("SQLite", 0.5) })
        {
            foreach (var m in measurements.Where(m => m.Database == database && m.IsApi && m.OpenLoopRate is null && m.Ratio is not null))
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{database} ratio ≥ {goal:0.0} at {m.Clients} clients: {m.Ratio:0.00} — {(m.Ratio >= goal ? "met" : "NOT met")}"));
            }
        }

        foreach (var m in measurements.Where(m => m.IsApi && m.OpenLoopRate is not null))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"p99 ≤ 20 ms at half of peak, {m.System}, {m.Clients} clients ({m.OpenLoopRate:0}/s): {m.Result.Latency.P99:0.0} ms — {(m.Result.Latency.P99 <= 20 ? "met" : "NOT met")}"));
        }

        var peaks = measurements.Where(m => m.PeakMemoryMiB is not null).ToList();
        if (peaks.Count > 0)
        {
            var top = peaks.MaxBy(m => m.PeakMemoryMiB)!;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"API memory ≤ 250 MB: highest peak RSS {top.PeakMemoryMiB:0} MiB ({top.PeakMemoryMiB * 1.048576:0} MB; {top.System}, {top.Clients} clients) — {(top.PeakMemoryMiB * 1.048576 <= 250 ? "met" : "NOT met")}"));
        }

        return lines;
    }
}
