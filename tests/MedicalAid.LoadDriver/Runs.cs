using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MedicalAid.LoadDriver;

/// <summary>One unit of work of a load: returns null on success, else a short failure label ("500", "timeout", ...).</summary>
internal delegate Task<string?> LoadOperation(int worker, CancellationToken cancellationToken);

/// <summary>Latency percentiles in milliseconds, nearest-rank.</summary>
internal sealed record LatencySummary(long Count, double P50, double P95, double P99, double Max, double Mean)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Sorts <paramref name="milliseconds"/> in place and summarises it.</summary>
    public static LatencySummary From(double[] milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        if (milliseconds.Length == 0)
        {
            return Empty;
        }

        Array.Sort(milliseconds);
        double Rank(double p) => milliseconds[Math.Clamp((int)Math.Ceiling(p / 100 * milliseconds.Length) - 1, 0, milliseconds.Length - 1)];
        return new LatencySummary(milliseconds.Length, Rank(50), Rank(95), Rank(99), milliseconds[^1], milliseconds.Average());
    }
}

/// <summary>What a measured window produced.</summary>
internal sealed record LoadResult(double Seconds, long Completed, long Failed, LatencySummary Latency, IReadOnlyDictionary<string, long> Errors)
{
    /// <summary>Operations started inside the window, including those still running at its end (closed loop only; else completed + failed).</summary>
    public long Issued { get; init; } = Completed + Failed;

    /// <summary>Successful operations per second.</summary>
    public double PerSecond => Seconds > 0 ? Completed / Seconds : 0;

    public string ErrorText => Errors.Count == 0
        ? "none"
        : string.Join(", ", Errors.OrderByDescending(error => error.Value).Select(error => $"{error.Key}: {error.Value}"));
}

/// <summary>Collects latencies and failures from many tasks.</summary>
internal sealed class ResultCollector
{
    private readonly ConcurrentQueue<double> latencies = new();
    private readonly ConcurrentDictionary<string, long> errors = new(StringComparer.Ordinal);
    private long completed;
    private long failed;

    public void Add(double milliseconds, string? failure)
    {
        latencies.Enqueue(milliseconds);
        if (failure is null)
        {
            Interlocked.Increment(ref completed);
        }
        else
        {
            Interlocked.Increment(ref failed);
            errors.AddOrUpdate(failure, 1, (_, count) => count + 1);
        }
    }

    public LoadResult Result(double seconds) =>
        new(seconds, Interlocked.Read(ref completed), Interlocked.Read(ref failed), LatencySummary.From([.. latencies]), new Dictionary<string, long>(errors, StringComparer.Ordinal));
}

internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Closed loop: <c>clients</c> workers, each sending its next request as soon as the previous one answered. A request
/// counts when it completes inside [warm-up end, deadline]; requests still in flight at the deadline are not counted.
/// </summary>
/// <summary>A measured run: open loop at <c>perSecond</c> when there is a rate, else closed loop (the peak).</summary>
internal static class Loop
{
    public static Task<LoadResult> RunAsync(
        double? perSecond, int clients, TimeSpan warmup, TimeSpan duration, LoadOperation operation, CancellationToken stop) =>
        perSecond is { } rate
            ? OpenLoop.RunAsync(rate, clients, warmup, duration, operation, stop)
            : ClosedLoop.RunAsync(clients, warmup, duration, operation, stop);
}

internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(int clients, TimeSpan warmup, TimeSpan duration, LoadOperation operation, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var collector = new ResultCollector();
        var measureStart = Clock.Now + Clock.Ticks(warmup);
        var deadline = measureStart + Clock.Ticks(duration);
        var issued = 0L;
        var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Clock.Now < deadline)
            {
                var begin = Clock.Now;
                if (begin >= measureStart)
                {
                    Interlocked.Increment(ref issued);
                }

                var failure = await Guarded(operation, worker, stop);
                var end = Clock.Now;
                if (stop.IsCancellationRequested || end > deadline)
                {
                    break;
                }

                if (end >= measureStart)
                {
                    collector.Add(Clock.Milliseconds(end - begin), failure);
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var measured = Math.Max(0, Clock.Milliseconds(Math.Min(Clock.Now, deadline) - measureStart) / 1000);
        return collector.Result(measured) with { Issued = Interlocked.Read(ref issued) };
    }

    /// <summary>Runs one operation; an exception it lets escape is a failure named by its type, not the end of the run.</summary>
    public static async Task<string?> Guarded(LoadOperation operation, int worker, CancellationToken stop)
    {
        try
        {
            return await operation(worker, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return "cancelled";
        }
#pragma warning disable CA1031 // A load run records any failure of one operation and goes on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return exception.GetType().Name;
        }
    }
}

/// <summary>
/// Open loop: requests are scheduled at a fixed rate whatever the answers do, and each one's latency is measured from
/// its scheduled time (so a request that waited for a free connection counts its wait: no coordinated omission). At
/// most <c>maxInFlight</c> run at once, each on its own worker slot. Requests scheduled inside the measured window
/// are counted, including those that complete after it. The schedule is kept by a thread of its own that sleeps
/// between requests (<see cref="PreciseSleep"/>) and never spins: a spin to the scheduled microsecond cost the driver
/// a third of a core at 300 requests/s, taken from the API it measures on this 2-core machine.
/// </summary>
internal static class OpenLoop
{
    public static async Task<LoadResult> RunAsync(
        double perSecond, int maxInFlight, TimeSpan warmup, TimeSpan duration, LoadOperation operation, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        var collector = new ResultCollector();
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        var free = new ConcurrentStack<int>(Enumerable.Range(0, maxInFlight));
        var start = Clock.Now;
        var measureStart = start + Clock.Ticks(warmup);
        var deadline = measureStart + Clock.Ticks(duration);
        var interval = Stopwatch.Frequency / perSecond;
        var running = new List<Task>();

        void Dispatch()
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var scheduled = start + (long)(n * interval);
                if (scheduled >= deadline)
                {
                    break;
                }

                PreciseSleep.Until(scheduled, stop);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                var measured = scheduled >= measureStart;
                running.Add(Task.Run(async () =>
                {
                    await slots.WaitAsync(CancellationToken.None);
                    free.TryPop(out var slot);
                    try
                    {
                        var failure = await ClosedLoop.Guarded(operation, slot, stop);
                        if (measured)
                        {
                            collector.Add(Clock.Milliseconds(Clock.Now - scheduled), failure);
                        }
                    }
                    finally
                    {
                        free.Push(slot);
                        slots.Release();
                    }
                }, CancellationToken.None));
                if (running.Count > 4_096)
                {
                    running.RemoveAll(task => task.IsCompleted);
                }
            }
        }

        try
        {
            await Task.Factory.StartNew(Dispatch, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            await Task.WhenAll(running);
        }
        return collector.Result(Clock.Milliseconds(deadline - measureStart) / 1000);
    }
}

/// <summary>
/// Sleeps until a <see cref="Stopwatch"/> timestamp. Thread.Sleep and Task.Delay round to whole milliseconds, too
/// coarse for a schedule of one request every 1–3 ms; Linux's nanosleep wakes within tens of microseconds.
/// </summary>
internal static partial class PreciseSleep
{
    /// <summary>At most this long in one sleep, so that a slow schedule still notices <c>stop</c> promptly.</summary>
    private const long MaxSleepNanoseconds = 100_000_000;

    public static void Until(long timestamp, CancellationToken stop)
    {
        for (var remaining = timestamp - Clock.Now; remaining > 0 && !stop.IsCancellationRequested; remaining = timestamp - Clock.Now)
        {
            var nanoseconds = Math.Min(MaxSleepNanoseconds, (long)(remaining * (1e9 / Stopwatch.Frequency)));
            var request = new TimeSpec(nanoseconds / 1_000_000_000, nanoseconds % 1_000_000_000);
            _ = NanoSleep(ref request, IntPtr.Zero); // Woken early by a signal: the loop sleeps the rest.
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec(long seconds, long nanoseconds)
    {
        public long Seconds = seconds;
        public long Nanoseconds = nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);
}
