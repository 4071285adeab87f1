using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;

namespace MedicalAid.Reliability.Tests.Infrastructure;

/// <summary>
/// What came back from one HTTP request: a status and body, or nothing at all (<see cref="Lost"/>: the connection
/// failed, typically because the process was killed while the request was in flight or before it was sent).
/// </summary>
public sealed record ApiAnswer(HttpStatusCode? Status, string Body, bool Replayed, string? Failure)
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>No answer: the request may or may not have been carried out.</summary>
    public bool Lost => Status is null;

    public bool IsSuccess => Status is { } status && (int)status is >= 200 and < 300;

    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, Json) ?? throw new InvalidOperationException($"Empty body: {this}");

    /// <summary>The problem type of an application/problem+json answer, else null.</summary>
    public string? ProblemType
    {
        get
        {
            if (IsSuccess || string.IsNullOrEmpty(Body))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(Body);
                return document.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override string ToString() =>
        Lost ? $"no answer ({Failure})" : $"{(int)Status!.Value} {(Replayed ? "(replayed) " : "")}{(Body.Length > 600 ? Body[..600] + "…" : Body)}";
}

/// <summary>The hospital and staff calls the reliability tests make, over plain HTTP against one or more API processes.</summary>
public sealed class ApiClient : IDisposable
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    private readonly HttpClient http;
    private readonly string staffToken = StaffTokens.Create("admin", "可靠性测试");

    public ApiClient()
    {
        http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 256,
        })
        {
            // A request blocked on a dead process fails when its connection resets; this only bounds a hang.
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>The request body exactly as sent, so that a retry can repeat it byte for byte.</summary>
    public static string Serialize<T>(T body) => JsonSerializer.Serialize(body, ApiAnswer.Json);

    public Task<ApiAnswer> SettleAsync(Uri server, string apiKey, string idempotencyKey, string requestJson, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, new Uri(server, "api/v1/settlements"), requestJson, cancellationToken, apiKey, idempotencyKey);

    public Task<ApiAnswer> ReverseAsync(Uri server, string apiKey, Guid settlementId, string idempotencyKey, string reason, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, new Uri(server, $"api/v1/settlements/{settlementId}/reversal"), Serialize(new ReversalRequest { Reason = reason }),
            cancellationToken, apiKey, idempotencyKey);

    public Task<ApiAnswer> ReverseByRequestAsync(Uri server, string apiKey, string originalIdempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, new Uri(server, "api/v1/settlements/reversal-by-request"),
            Serialize(new ReversalByRequest { OriginalIdempotencyKey = originalIdempotencyKey, Reason = "冲正 after a lost answer" }), cancellationToken, apiKey);

    public Task<ApiAnswer> HospitalGetAsync(Uri server, string apiKey, string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, new Uri(server, path), null, cancellationToken, apiKey);

    public Task<ApiAnswer> GetSettlementAsync(Uri server, string apiKey, Guid settlementId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, new Uri(server, $"api/v1/settlements/{settlementId}"), null, cancellationToken, apiKey);

    public async Task<BeneficiaryDetail> CreateBeneficiaryAsync(Uri server, CreateBeneficiaryRequest request, CancellationToken cancellationToken) =>
        (await StaffAsync(HttpMethod.Post, new Uri(server, "api/v1/admin/beneficiaries"), request, cancellationToken)).Read<BeneficiaryDetail>();

    public async Task<FundBalanceResponse> TopUpAsync(Uri server, int year, AssistanceChannel channel, decimal amount, CancellationToken cancellationToken) =>
        (await StaffAsync(HttpMethod.Post, new Uri(server, $"api/v1/admin/funds/{year}/{Wire(channel)}/top-ups"),
            new TopUpRequest { Amount = amount, Reason = "reliability test" }, cancellationToken)).Read<FundBalanceResponse>();

    public async Task<IReadOnlyList<FundBalanceResponse>> FundBalancesAsync(Uri server, int year, CancellationToken cancellationToken) =>
        (await StaffAsync<object>(HttpMethod.Get, new Uri(server, $"api/v1/admin/funds?year={year}"), null, cancellationToken)).Read<List<FundBalanceResponse>>();

    /// <summary>A staff call that must succeed (set-up, not the thing under test).</summary>
    public async Task<ApiAnswer> StaffAsync<T>(HttpMethod method, Uri uri, T? body, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(method, uri, body is null ? null : Serialize(body), cancellationToken, staffToken: staffToken);
        return answer.IsSuccess ? answer : throw new InvalidOperationException($"{method} {uri}: {answer}");
    }

    /// <summary>A staff call whose answer may be lost (the process may die under it).</summary>
    public Task<ApiAnswer> TryStaffAsync<T>(HttpMethod method, Uri uri, T body, CancellationToken cancellationToken) =>
        SendAsync(method, uri, Serialize(body), cancellationToken, staffToken: staffToken);

    public static string Wire(AssistanceChannel channel) => channel switch
    {
        AssistanceChannel.InsuranceSubsidy => "insuranceSubsidy",
        AssistanceChannel.Outpatient => "outpatient",
        AssistanceChannel.Inpatient => "inpatient",
        AssistanceChannel.Temporary => "temporary",
        _ => "charity",
    };

    public void Dispose() => http.Dispose();

    private async Task<ApiAnswer> SendAsync(
        HttpMethod method, Uri uri, string? json, CancellationToken cancellationToken, string? apiKey = null, string? idempotencyKey = null, string? staffToken = null)
    {
        using var message = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            message.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (apiKey is not null)
        {
            message.Headers.Add("X-Api-Key", apiKey);
        }

        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (staffToken is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", staffToken);
        }

        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var replayed = response.Headers.TryGetValues(ReplayedHeader, out var values) && values.Contains("true");
            return new ApiAnswer(response.StatusCode, body, replayed, null);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException
                                          || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ApiAnswer(null, "", false, exception.GetBaseException().Message);
        }
    }
}
