using System.Collections.Concurrent;
using System.Diagnostics;

namespace MedicalAid.MockHospital.Driving;

/// <summary>What a drive has done so far, per hospital and overall; safe to read while the drive runs.</summary>
internal sealed class RunStatistics
{
    private readonly ConcurrentDictionary<string, HospitalCounters> hospitals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> errors = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<long> settlementLatencies = [];

    public RunStatistics(IEnumerable<string> hospitalCodes)
    {
        foreach (var code in hospitalCodes)
        {
            hospitals[code] = new HospitalCounters();
        }
    }

    public HospitalCounters For(string hospitalCode) => hospitals[hospitalCode];

    public IReadOnlyDictionary<string, HospitalCounters> Hospitals => hospitals;

    /// <summary>Failed calls by problem type (the part after <c>urn:medicalaid:problem:</c>), or by kind of transport failure.</summary>
    public IReadOnlyDictionary<string, int> Errors => errors;

    public int Total(Func<HospitalCounters, int> counter) => hospitals.Values.Sum(counter);

    public void AddError(string hospitalCode, string kind)
    {
        errors.AddOrUpdate(kind, 1, (_, count) => count + 1);
        Interlocked.Increment(ref For(hospitalCode).ErrorCount);
    }

    /// <summary>The time a settlement call took, the client's own retries included.</summary>
    public void AddSettlementLatency(long stopwatchTicks) => settlementLatencies.Add(stopwatchTicks);

    /// <summary>Nearest-rank percentile of the settlement latencies, in milliseconds; null before the first settlement.</summary>
    public double? SettlementLatencyMilliseconds(double percentile)
    {
        var sorted = settlementLatencies.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var rank = Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[rank] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Counters of one hospital; fields so that they can be incremented with <see cref="Interlocked"/>.</summary>
    internal sealed class HospitalCounters
    {
        public int Planned;
        public int Done;
        public int Settled;

        /// <summary>Deliberate resends answered with the original settlement and <c>Idempotent-Replayed: true</c>.</summary>
        public int Replayed;

        /// <summary>First sends whose answer was lost and that the client's retry got back as a replay (or that were looked up).</summary>
        public int Recovered;

        public int Reversed;
        public int ErrorCount;
    }
}
