using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MedicalAid.LoadDriver;

/// <summary>
/// PostgreSQL's own limit on this machine: <c>pgbench -b tpcb-like</c> at scale 1 (one branch row that every
/// transaction updates: a hot row, like a hot fund row) in a database of its own, with synchronous_commit on.
/// Latencies come from pgbench's per-transaction log (<c>-l</c>); with <c>-R</c> they include the schedule lag,
/// i.e. they are measured from the scheduled start, as the driver's open loop does.
/// </summary>
internal sealed partial class PgBench(PgServer server, string database, string workDirectory, TextWriter log)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await RunAsync(["-i", "-s", "1", "-q"], cancellationToken);
    }

    /// <summary>A run of <paramref name="duration"/> at <paramref name="clients"/> clients, closed loop, or open loop at <paramref name="perSecond"/>.</summary>
    public async Task<(LoadResult Result, CpuUse Cpu)> MeasureAsync(int clients, TimeSpan warmup, TimeSpan duration, double? perSecond, CancellationToken cancellationToken)
    {
        var threads = Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture);
        var common = new List<string> { "-b", "tpcb-like", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", threads };
        if (perSecond is { } rate)
        {
            common.AddRange(["-R", rate.ToString("0.##", CultureInfo.InvariantCulture)]);
        }

        if (warmup > TimeSpan.Zero)
        {
            await RunAsync([.. common, "-T", Seconds(warmup)], cancellationToken);
        }

        var prefix = Path.Combine(workDirectory, $"pgbench-{clients}-{(perSecond is null ? "closed" : "open")}-{Guid.NewGuid():N}");
        var meter = CpuMeter.Start(null, () => server.BackendPids(database));
        var output = await RunAsync([.. common, "-T", Seconds(duration), "-l", "--log-prefix", prefix], cancellationToken);
        var cpu = meter.Stop();

        var latencies = new List<double>();
        foreach (var file in Directory.GetFiles(workDirectory, Path.GetFileName(prefix) + ".*"))
        {
            foreach (var line in File.ReadLines(file))
            {
                // client_id transaction_no time_us script_no epoch_s epoch_us [schedule_lag_us]
                var fields = line.Split(' ');
                if (fields.Length >= 3 && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var micros))
                {
                    latencies.Add(micros / 1000);
                }
            }

            File.Delete(file);
        }

        var failed = FailedPattern().Match(output) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = duration.TotalSeconds;
        var errors = failed > 0 ? new Dictionary<string, long>(StringComparer.Ordinal) { ["failed"] = failed } : new Dictionary<string, long>(StringComparer.Ordinal);
        return (new LoadResult(seconds, latencies.Count, failed, LatencySummary.From([.. latencies]), errors), cpu);
    }

    private async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("pgbench")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in server.LibpqEnvironment(database))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            await log.WriteLineAsync($"pgbench {string.Join(' ', arguments)} exited with {process.ExitCode}:{Environment.NewLine}{output}");
            throw new InvalidOperationException($"pgbench exited with {process.ExitCode}.");
        }

        return output;
    }

    private static string Seconds(TimeSpan span) => Math.Max(1, (int)Math.Round(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();
}
