using System.Globalization;

namespace MedicalAid.LoadDriver;

/// <summary>Readings from Linux /proc: peak memory and CPU time of processes, and how busy the machine was.</summary>
internal static class ProcStats
{
    /// <summary>USER_HZ: the unit of the CPU times in /proc (100 on every mainstream Linux build).</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>Peak resident set size (VmHWM) in bytes since the process started or since <see cref="ResetPeak"/>; null when unreadable.</summary>
    public static long? PeakResidentBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    public static long? ResidentBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>Resets VmHWM to the current RSS (writing 5 to /proc/pid/clear_refs, Linux ≥ 4.0); false when not allowed.</summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>User + system CPU time of a process in seconds; 0 when it is gone or unreadable.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // Fields after the command name (which may hold spaces) start at field 3: utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>CPU time of a process plus that of its children that ended and were waited for, in seconds.</summary>
    public static double CpuSecondsWithChildren(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Skip(11).Take(4).Sum(field => long.Parse(field, CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>Busy and total CPU seconds of the whole machine (all cores) from /proc/stat.</summary>
    public static (double Busy, double Total) MachineCpuSeconds()
    {
        var line = File.ReadLines("/proc/stat").First();
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
        var total = ticks.Sum();
        var idle = ticks[3] + ticks[4];
        return ((total - idle) / ClockTicksPerSecond, total / ClockTicksPerSecond);
    }

    private static long? StatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }
}

/// <summary>
/// CPU used during a window: by the API process, by the database's server processes serving it, by this driver, and
/// by everything else on the machine (other sessions' builds and tests). Per operation, in milliseconds.
/// </summary>
internal sealed record CpuUse(double ApiSeconds, double DatabaseSeconds, double DriverSeconds, double MachineBusySeconds, double MachineTotalSeconds, double WallSeconds)
{
    public double OtherSeconds => Math.Max(0, MachineBusySeconds - ApiSeconds - DatabaseSeconds - DriverSeconds);

    /// <summary>Cores that other processes kept busy on average over the window (noise from other sessions).</summary>
    public double OtherCores => WallSeconds > 0 ? OtherSeconds / WallSeconds : 0;

    /// <summary>Share of all cores busy over the window.</summary>
    public double MachineBusyShare => MachineTotalSeconds > 0 ? MachineBusySeconds / MachineTotalSeconds : 0;

    public string PerOperation(long operations)
    {
        if (operations <= 0)
        {
            return "n/a";
        }

        double Ms(double seconds) => seconds * 1000 / operations;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"API {Ms(ApiSeconds):0.00} ms, database {Ms(DatabaseSeconds):0.00} ms, driver {Ms(DriverSeconds):0.00} ms per op; machine {MachineBusyShare:P0} busy, of which other processes {OtherCores:0.00} cores");
    }
}

/// <summary>
/// Takes CPU readings over a window. The database's server processes are looked up every second, so that backends
/// that start and end inside the window (pgbench's) are counted too; a backend first seen during the window counts
/// from zero. Children of this process that ended in the window (pgbench itself) count as the driver.
/// </summary>
internal sealed class CpuMeter
{
    private readonly int? apiPid;
    private readonly Func<IReadOnlyList<int>> databasePids;
    private readonly double apiStart;
    private readonly Dictionary<int, (double First, double Last)> database = [];
    private readonly double driverStart;
    private readonly (double Busy, double Total) machineStart;
    private readonly long wallStart;
    private readonly CancellationTokenSource stopSampling = new();
    private readonly Task sampling;

    private CpuMeter(int? apiPid, Func<IReadOnlyList<int>> databasePids)
    {
        this.apiPid = apiPid;
        this.databasePids = databasePids;
        apiStart = apiPid is { } pid ? ProcStats.CpuSeconds(pid) : 0;
        foreach (var backend in databasePids())
        {
            var cpu = ProcStats.CpuSeconds(backend);
            database[backend] = (cpu, cpu);
        }

        driverStart = ProcStats.CpuSecondsWithChildren(Environment.ProcessId);
        machineStart = ProcStats.MachineCpuSeconds();
        wallStart = Clock.Now;
        sampling = Task.Run(SampleAsync);
    }

    /// <param name="apiPid">The API process, if one is measured.</param>
    /// <param name="databasePids">The database's server processes serving this load (PostgreSQL backends).</param>
    public static CpuMeter Start(int? apiPid, Func<IReadOnlyList<int>> databasePids) => new(apiPid, databasePids);

    public CpuUse Stop()
    {
        stopSampling.Cancel();
        sampling.Wait();
        stopSampling.Dispose();
        Sample();
        var api = apiPid is { } pid ? ProcStats.CpuSeconds(pid) - apiStart : 0;
        var databaseSeconds = database.Values.Sum(reading => reading.Last - reading.First);
        var driver = ProcStats.CpuSecondsWithChildren(Environment.ProcessId) - driverStart;
        var machine = ProcStats.MachineCpuSeconds();
        return new CpuUse(api, databaseSeconds, driver, machine.Busy - machineStart.Busy, machine.Total - machineStart.Total, Clock.Milliseconds(Clock.Now - wallStart) / 1000);
    }

    private async Task SampleAsync()
    {
        while (!stopSampling.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1_000, stopSampling.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Sample();
        }
    }

    private void Sample()
    {
        IReadOnlyList<int> pids;
        try
        {
            pids = databasePids();
        }
        catch (Npgsql.NpgsqlException)
        {
            return;
        }

        lock (database)
        {
            foreach (var backend in pids)
            {
                var cpu = ProcStats.CpuSeconds(backend);
                if (cpu <= 0)
                {
                    continue;
                }

                database[backend] = database.TryGetValue(backend, out var reading) ? (reading.First, Math.Max(reading.Last, cpu)) : (0, cpu);
            }
        }
    }
}
