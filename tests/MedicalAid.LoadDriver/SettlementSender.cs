using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using MedicalAid.Contracts;

namespace MedicalAid.LoadDriver;

/// <summary>
/// Sends fresh settlements (a new Idempotency-Key and visit number every time) to POST /api/v1/settlements, one
/// <see cref="BillFactory"/> per worker. A 201 must carry a settled settlement of the visit just sent.
/// </summary>
internal sealed class SettlementSender
{
    private const int MaxErrorBodiesShown = 5;
    private const int MaxErrorBodyLength = 4_000;

    private static readonly TimeSpan ChinaStandardTimeOffset = TimeSpan.FromHours(8);

    private readonly HttpClient http;
    private readonly IReadOnlyList<string> hospitalKeys;
    private readonly TextWriter log;
    private readonly BillFactory[] bills;
    private readonly long[] sent;
    private int errorBodiesShown;

    public SettlementSender(
        HttpClient http, IReadOnlyList<PatientIdentity> patients, IReadOnlyList<string> hospitalKeys, int workers, int seed, double inpatientShare, TextWriter log)
    {
        this.http = http;
        this.hospitalKeys = hospitalKeys;
        this.log = log;
        RunId = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        bills = Enumerable.Range(0, workers)
            .Select(worker => new BillFactory(unchecked(seed + worker), inpatientShare, RunId, worker, patients))
            .ToArray();
        sent = new long[workers];
    }

    /// <summary>Part of every visit number of this sender ("LD{RunId}-worker-n").</summary>
    public string RunId { get; }

    /// <summary>A client that keeps one connection per worker open.</summary>
    public static HttpClient CreateClient(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    public async Task<string?> SettleAsync(int worker, CancellationToken stop)
    {
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow + ChinaStandardTimeOffset).AddDays(-1);
        var request = bills[worker].Next(yesterday);
        using var message = new HttpRequestMessage(HttpMethod.Post, "api/v1/settlements")
        {
            Content = JsonContent.Create(request),
        };
        message.Headers.Add("X-Api-Key", hospitalKeys[(int)((worker + sent[worker]++) % hospitalKeys.Count)]);
        message.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        HttpResponseMessage response;
        try
        {
            // ResponseContentRead: the latency includes reading the whole body.
            response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, stop);
        }
        catch (TaskCanceledException) when (!stop.IsCancellationRequested)
        {
            return "timeout";
        }
        catch (HttpRequestException exception)
        {
            Show(worker, request, nameof(HttpRequestException), exception.Message);
            return nameof(HttpRequestException);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return await CheckSettledAsync(response, request, stop);
            }

            var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            Show(worker, request, status, await response.Content.ReadAsStringAsync(stop));
            return status;
        }
    }

    private static async Task<string?> CheckSettledAsync(HttpResponseMessage response, SettlementRequest request, CancellationToken stop)
    {
        try
        {
            var settlement = await response.Content.ReadFromJsonAsync<SettlementResponse>(stop);
            return settlement is { Status: SettlementStatus.Settled } && settlement.VisitNumber == request.VisitNumber
                ? null
                : "201-unexpected-body";
        }
        catch (System.Text.Json.JsonException)
        {
            return "201-unreadable-body";
        }
    }

    private void Show(int worker, SettlementRequest request, string failure, string body)
    {
        if (Interlocked.Increment(ref errorBodiesShown) > MaxErrorBodiesShown)
        {
            return;
        }

        if (body.Length > MaxErrorBodyLength)
        {
            body = body[..MaxErrorBodyLength] + " …";
        }

        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"[error] {failure} worker {worker}, visit {request.VisitNumber} ({request.VisitType}, {request.Patient.Name}, total {request.Amounts.Total}):{Environment.NewLine}  {body}");
        lock (log)
        {
            log.WriteLine(text);
        }
    }
}
