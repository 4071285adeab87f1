using System.Globalization;
using System.Threading.RateLimiting;
using MedicalAid.Api.Hospitals;
using MedicalAid.Contracts;

namespace MedicalAid.Api.Infrastructure;

public sealed class HospitalRateLimitOptions
{
    public const string Section = "RateLimiting:Hospital";

    /// <summary>Requests a hospital may make per second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 200;

    /// <summary>Requests a hospital may make at once above the sustained rate.</summary>
    public int Burst { get; set; } = 400;
}

/// <summary>Per-hospital token buckets: one hospital's burst cannot starve the others. Over the limit: 429 with Retry-After.</summary>
public static class RateLimiting
{
    public const string HospitalPolicy = "per-hospital";

    public static IServiceCollection AddHospitalRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HospitalRateLimitOptions.Section).Get<HospitalRateLimitOptions>() ?? new HospitalRateLimitOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(HospitalPolicy, context =>
            {
                var hospital = HospitalCaller.KeyIdentity(context.User)?.FindFirst(HospitalCaller.CodeClaim)?.Value;
                return hospital is null
                    ? RateLimitPartition.GetNoLimiter("not-a-hospital")
                    : RateLimitPartition.GetTokenBucketLimiter(hospital, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.Burst,
                        TokensPerPeriod = options.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = Problems.Create(StatusCodes.Status429TooManyRequests, ProblemTypes.TooManyRequests,
                        "Too many requests from this hospital.", $"Retry after {retryAfter} s."),
                });
            };
        });
        return services;
    }
}
