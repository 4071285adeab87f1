using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MedicalAid.LoadDriver;

/// <summary>
/// dotnet-counters and dotnet-trace (global tools: <c>dotnet tool install -g dotnet-counters dotnet-trace</c>) attached
/// to the API process for one measured run: GC, allocation, JIT and thread-pool counters per settlement, and where the
/// API's CPU time goes (thread-time sampling, only the samples on CPU counted).
/// </summary>
internal sealed class DotnetDiagnostics
{
    private readonly Process? counters;
    private readonly Process? trace;
    private readonly string countersFile;
    private readonly string traceFile;

    private DotnetDiagnostics(Process? counters, Process? trace, string countersFile, string traceFile)
    {
        this.counters = counters;
        this.trace = trace;
        this.countersFile = countersFile;
        this.traceFile = traceFile;
    }

    public static string? Find(string tool)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(home, ".dotnet", "tools"));
        return candidates.Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists);
    }

    /// <summary>Starts whichever of the two tools is installed; the collection lasts <paramref name="duration"/>.</summary>
    public static async Task<DotnetDiagnostics> StartAsync(int pid, TimeSpan duration, string directory, TextWriter log)
    {
        var countersFile = Path.Combine(directory, "api-counters.csv");
        var traceFile = Path.Combine(directory, "api.nettrace");
        var span = string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays:00}:{duration.Hours:00}:{duration.Minutes:00}:{duration.Seconds:00}");
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        var counters = Start("dotnet-counters", ["collect", "-p", pidText, "--counters", "System.Runtime", "--format", "csv", "-o", countersFile, "--duration", span]);
        var trace = Start("dotnet-trace", ["collect", "-p", pidText, "--profile", "dotnet-sampled-thread-time", "--duration", span, "-o", traceFile]);
        if (counters is null || trace is null)
        {
            await log.WriteLineAsync("  (dotnet-counters / dotnet-trace not found: dotnet tool install -g dotnet-counters dotnet-trace)");
        }

        // Both attach through the diagnostics port within a second or two; the load starts after that.
        await Task.Delay(TimeSpan.FromSeconds(2));
        return new DotnetDiagnostics(counters, trace, countersFile, traceFile);
    }

    public async Task ReportAsync(long settlements, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var invariant = CultureInfo.InvariantCulture;
        double Per(double value) => value / Math.Max(1, settlements);
        if (counters is not null)
        {
            await counters.WaitForExitAsync();
            counters.Dispose();
            if (File.Exists(countersFile))
            {
                var sums = new Dictionary<string, double>(StringComparer.Ordinal);
                var maxima = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var line in File.ReadLines(countersFile).Skip(1))
                {
                    var fields = line.Split(',');
                    if (fields.Length < 5 || !double.TryParse(fields[^1], NumberStyles.Float, invariant, out var value))
                    {
                        continue;
                    }

                    var name = fields[2];
                    sums[name] = sums.GetValueOrDefault(name) + value;
                    maxima[name] = Math.Max(maxima.GetValueOrDefault(name), value);
                }

                double Sum(string prefix) => sums.Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(entry => entry.Value);
                double Max(string prefix) => maxima.Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(entry => entry.Value).DefaultIfEmpty().Max();
                await log.WriteLineAsync(string.Create(invariant,
                    $"dotnet-counters, per settlement: {Per(Sum("dotnet.gc.heap.total_allocated")) / 1024:0} KiB allocated; GC collections gen0 {Per(Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]")):0.000}, gen1 {Per(Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen1]")):0.000}, gen2 {Per(Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]")):0.000}; GC pause {Per(Sum("dotnet.gc.pause.time")) * 1000:0.00} ms; CPU {Per(Sum("dotnet.process.cpu.time")) * 1000:0.00} ms; thread-pool work items {Per(Sum("dotnet.thread_pool.work_item.count")):0}; lock contentions {Per(Sum("dotnet.monitor.lock_contentions")):0.00}; JIT-compiled methods during the run {Sum("dotnet.jit.compiled_methods"):0}"));
                await log.WriteLineAsync(string.Create(invariant,
                    $"dotnet-counters, run: working set up to {Max("dotnet.process.memory.working_set") / 1048576:0} MiB, GC heap after a collection up to {maxima.Where(entry => entry.Key.StartsWith("dotnet.gc.last_collection.heap.size", StringComparison.Ordinal)).Sum(entry => entry.Value) / 1048576:0} MiB (sum of generations' maxima)"));
            }
        }

        if (trace is not null)
        {
            await trace.WaitForExitAsync();
            trace.Dispose();
            if (File.Exists(traceFile))
            {
                await ReportTraceAsync(log);
            }
        }
    }

    private async Task ReportTraceAsync(TextWriter log)
    {
        var speedscope = Path.ChangeExtension(traceFile, null);
        using (var convert = Start("dotnet-trace", ["convert", traceFile, "--format", "speedscope", "-o", speedscope]))
        {
            if (convert is null)
            {
                return;
            }

            await convert.WaitForExitAsync();
        }

        var file = speedscope + ".speedscope.json";
        if (!File.Exists(file))
        {
            return;
        }

        await using var stream = File.OpenRead(file);
        using var document = await JsonDocument.ParseAsync(stream);
        var frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(frame => frame.GetProperty("name").GetString() ?? "?").ToArray();
        var self = new Dictionary<string, double>(StringComparer.Ordinal);
        var inclusive = new Dictionary<string, double>(StringComparer.Ordinal);
        var total = 0.0;
        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            if (profile.GetProperty("type").GetString() != "evented")
            {
                continue;
            }

            var stack = new List<int>();
            double? last = null;
            foreach (var sample in profile.GetProperty("events").EnumerateArray())
            {
                var at = sample.GetProperty("at").GetDouble();
                if (last is { } previous && stack.Count > 0 && frames[stack[^1]] == "CPU_TIME")
                {
                    var elapsed = at - previous;
                    total += elapsed;
                    var managed = stack.Select(index => frames[index]).Where(name => name.Contains('!', StringComparison.Ordinal)).ToList();
                    var leaf = managed.Count > 0 ? Simplify(managed[^1]) : "(native: GC, JIT, runtime)";
                    self[leaf] = self.GetValueOrDefault(leaf) + elapsed;
                    foreach (var assembly in managed.Select(name => name[..name.IndexOf('!', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal))
                    {
                        inclusive[assembly] = inclusive.GetValueOrDefault(assembly) + elapsed;
                    }
                }

                last = at;
                if (sample.GetProperty("type").GetString() == "O")
                {
                    stack.Add(sample.GetProperty("frame").GetInt32());
                }
                else if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
        }

        if (total <= 0)
        {
            return;
        }

        var invariant = CultureInfo.InvariantCulture;
        await log.WriteLineAsync(string.Create(invariant, $"dotnet-trace: {total / 1000:0.0} s of API CPU sampled; the frames it was spent in (self), top 20:"));
        foreach (var (frame, time) in self.OrderByDescending(entry => entry.Value).Take(20))
        {
            await log.WriteLineAsync(string.Create(invariant, $"  {time / total,6:P1}  {frame}"));
        }

        await log.WriteLineAsync("dotnet-trace: share of API CPU under each assembly (inclusive), top 15:");
        foreach (var (assembly, time) in inclusive.Where(entry => entry.Key != "System.Private.CoreLib").OrderByDescending(entry => entry.Value).Take(15))
        {
            await log.WriteLineAsync(string.Create(invariant, $"  {time / total,6:P1}  {assembly}"));
        }

        await log.WriteLineAsync($"  (trace kept in {traceFile} with --keep; open the .speedscope.json in https://www.speedscope.app)");
    }

    /// <summary>"Assembly!Namespace.Type.Method(arguments)" without the argument list.</summary>
    private static string Simplify(string frame)
    {
        var parenthesis = frame.IndexOf('(', StringComparison.Ordinal);
        return parenthesis > 0 ? frame[..parenthesis] : frame;
    }

    private static Process? Start(string tool, IReadOnlyList<string> arguments)
    {
        var path = Find(tool);
        if (path is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start);
        if (process is not null)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return process;
    }
}
