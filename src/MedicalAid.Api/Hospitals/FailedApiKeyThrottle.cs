using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Hospitals;

/// <summary>Settings of the brute-force guard on hospital API keys (section <c>RateLimiting:FailedApiKey</c>).</summary>
public sealed class FailedApiKeyOptions
{
    public const string Section = "RateLimiting:FailedApiKey";

    /// <summary>Wrong or unknown keys one client address may send per window before it is refused with 429.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 30;

    /// <summary>The window the limit counts over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Log lines about failed keys per minute, over all addresses; the lines beyond are counted, not written.</summary>
    [Range(1, 10_000)]
    public int LogLinesPerMinute { get; set; } = 10;
}

/// <summary>
/// Counts failed API-key attempts per client address in fixed windows. An address over the limit is refused (429 with
/// Retry-After) until its window ends, even with a right key, so that guessing costs the guesser time and the service
/// no database lookups. The failures are logged at a bounded rate, with the number of lines left out, so that a
/// guesser cannot flood the log. The key itself is never logged.
/// </summary>
public sealed partial class FailedApiKeyThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress?> failures;
    private readonly TokenBucketRateLimiter logLines;
    private readonly ILogger<FailedApiKeyThrottle> logger;
    private readonly TimeSpan window;
    private long suppressedLines;

    public FailedApiKeyThrottle(IOptions<FailedApiKeyOptions> options, ILogger<FailedApiKeyThrottle> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        this.logger = logger;
        window = settings.Window;
        failures = PartitionedRateLimiter.Create<IPAddress?, string>(address => RateLimitPartition.GetFixedWindowLimiter(
            address?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.PermitLimit, Window = settings.Window, QueueLimit = 0, AutoReplenishment = true }));
        logLines = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.LogLinesPerMinute,
            TokensPerPeriod = settings.LogLinesPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>True when <paramref name="address"/> has used up its failures for the current window.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        // Zero permits asks whether any are left without taking one.
        using var lease = failures.AttemptAcquire(address, 0);
        retryAfter = RetryAfter(lease);
        return !lease.IsAcquired;
    }

    /// <summary>Counts one failed attempt; true when it was one too many, so that the address is now refused.</summary>
    public bool RecordFailure(IPAddress? address, out TimeSpan retryAfter)
    {
        using var lease = failures.AttemptAcquire(address);
        retryAfter = RetryAfter(lease);
        Log(address, blocked: !lease.IsAcquired);
        return !lease.IsAcquired;
    }

    private TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : window;

    private void Log(IPAddress? address, bool blocked)
    {
        using var line = logLines.AttemptAcquire();
        if (!line.IsAcquired)
        {
            Interlocked.Increment(ref suppressedLines);
            return;
        }

        var suppressed = Interlocked.Exchange(ref suppressedLines, 0);
        if (blocked)
        {
            LogBlocked(logger, address?.ToString() ?? "unknown", suppressed);
        }
        else
        {
            LogFailed(logger, address?.ToString() ?? "unknown", suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unknown or inactive hospital API key from {ClientAddress} ({Suppressed} similar lines left out before this one)")]
    private static partial void LogFailed(ILogger logger, string clientAddress, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Too many failed hospital API keys from {ClientAddress}: refused with 429 until its window ends ({Suppressed} similar lines left out before this one)")]
    private static partial void LogBlocked(ILogger logger, string clientAddress, long suppressed);

    public void Dispose()
    {
        failures.Dispose();
        logLines.Dispose();
    }
}
