using System.Net;
using System.Text.Json;
using MedicalAid.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly.Timeout;
using Refit;

namespace MedicalAid.Client;

public static class MedicalAidClientSetup
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Refit settings for MedicalAid: its JSON (camelCase, enums as strings), ISO dates in query strings, and
    /// problems as <see cref="MedicalAidProblemException"/>.
    /// </summary>
    public static RefitSettings Settings()
    {
        var urlFormatter = new DefaultUrlParameterFormatter();
        urlFormatter.AddFormat<DateOnly>("yyyy-MM-dd");
        return new RefitSettings(new SystemTextJsonContentSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web)), urlFormatter)
        {
            ExceptionFactory = MedicalAidProblemException.FromResponseAsync,
        };
    }

    /// <summary>
    /// Registers <see cref="IMedicalAidHospitalApi"/> for one hospital, with the standard resilience pipeline:
    /// a timeout per attempt and overall, and retries of transient failures (timeouts, 408, 429, 5xx, broken
    /// connections) with backoff. A retried settlement or reversal resends the same Idempotency-Key, so the API
    /// settles it once.
    /// </summary>
    public static IHttpClientBuilder AddMedicalAidHospitalClient(
        this IServiceCollection services, Uri baseUrl, string apiKey, Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        if (services.Any(service => service.ServiceType == typeof(IMedicalAidHospitalApi)))
        {
            // A second registration would send both hospitals' keys on every call.
            throw new InvalidOperationException("A MedicalAid hospital client is already registered in this container: use one container (or scope) per hospital.");
        }

        // The source-generated client: Refit 16's AddRefitClient needs the optional Refit.Reflection package at run time.
        var builder = services.AddRefitGeneratedClient<IMedicalAidHospitalApi>(Settings())
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = baseUrl;
                client.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
                client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            });
        builder.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(60);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
            options.Retry.MaxRetryAttempts = 4;
            options.Retry.UseJitter = true;

            // 429 and 503 (busy) say "nothing recorded, come back after Retry-After": retried, but they are the
            // service protecting itself, not failing, so they do not open the circuit.
            options.CircuitBreaker.ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
            {
                { Exception: HttpRequestException or TimeoutRejectedException } => true,
                { Result: { } response } => (int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable,
                _ => false,
            });
            configureResilience?.Invoke(options);

            // The library requires the sampling window to be at least twice the attempt timeout.
            var minimumSampling = options.AttemptTimeout.Timeout * 2;
            if (options.CircuitBreaker.SamplingDuration < minimumSampling)
            {
                options.CircuitBreaker.SamplingDuration = minimumSampling;
            }
        });
        return builder;
    }

    /// <summary>
    /// Registers the callback contract for calling one hospital system, with retries, each attempt signed with the
    /// hospital's callback secret (<see cref="CallbackSignature"/>). Callbacks carry a delivery id, so a hospital drops a
    /// delivery it has already processed.
    /// </summary>
    public static IHttpClientBuilder AddHospitalCallbackClient(
        this IServiceCollection services, string callbackSecret, Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(callbackSecret);
        var builder = services.AddRefitGeneratedClient<IHospitalCallbackApi>(Settings())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(60);
            configureResilience?.Invoke(options);
        });
        // Inside the resilience pipeline: every attempt is signed at the moment it is sent.
        builder.AddHttpMessageHandler(provider => new CallbackSigningHandler(callbackSecret, provider.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>A stable key for one settlement attempt of a visit: the same visit and attempt always give the same key.</summary>
    public static string IdempotencyKeyFor(string hospitalCode, string visitNumber, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(hospitalCode);
        ArgumentNullException.ThrowIfNull(visitNumber);
        // Visit numbers compare without regard to case or surrounding spaces at the API, so the key does too.
        return $"{hospitalCode.Trim().ToUpperInvariant()}:{visitNumber.Trim().ToUpperInvariant()}:{attempt}";
    }

    internal static bool IsProblem(this MedicalAidProblemException exception, string type) =>
        string.Equals(exception.Type, type, StringComparison.Ordinal) || (exception.Type is null && type == ProblemTypes.Internal);
}
