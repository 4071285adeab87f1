using System.Text.Json;
using MedicalAid.Client;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace MedicalAid.MockHospital.Hospitals;

/// <summary>The two routes of <see cref="IHospitalCallbackApi"/>.</summary>
internal enum CallbackKind
{
    ClearingStatement,
    Notification,
}

/// <summary>What the mock hospital system did with one callback request.</summary>
internal enum DeliveryOutcome
{
    /// <summary>A new delivery id: stored, answered 204.</summary>
    Stored,

    /// <summary>A delivery id already stored: not stored again, answered 204 so that MedicalAid stops redelivering.</summary>
    Duplicate,

    /// <summary>An injected 500.</summary>
    Error,

    /// <summary>An injected dropped connection (the delivery was stored, or was a duplicate).</summary>
    Dropped,

    /// <summary>No delivery id, or a body that is not the contract's: answered 400.</summary>
    Refused,
}

internal sealed record CallbackAttempt(string? DeliveryId, CallbackKind Kind, DeliveryOutcome Outcome, DateTimeOffset At);

/// <summary>A delivery the hospital stored: its id, what it was, the body as received and when it first arrived.</summary>
internal sealed record ReceivedCallback(string DeliveryId, CallbackKind Kind, string Body, DateTimeOffset ReceivedAt);

/// <summary>
/// A hospital's billing system as MedicalAid sees it: a WireMock.Net server on 127.0.0.1 implementing the two routes of
/// <see cref="IHospitalCallbackApi"/>. It records every request, stores each delivery id once (a redelivery is answered
/// but recorded as a duplicate), and injects the configured <see cref="HospitalFaults"/>.
/// </summary>
internal sealed class MockHospitalSystem : IDisposable
{
    /// <summary>Set by the callback on an answer whose connection is to be dropped; the answer itself never leaves.</summary>
    private const string DropMarkerHeader = "X-MockHospital-Drop";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock gate = new();
    private readonly List<CallbackAttempt> attempts = [];
    private readonly Dictionary<string, ReceivedCallback> deliveries = new(StringComparer.Ordinal);
    private readonly HashSet<string> attemptedDeliveryIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> attemptCounts = new(StringComparer.Ordinal);
    private readonly HospitalFaults faults;
    private readonly Random random;
    private readonly TimeProvider time;
    private readonly WireMockServer server;

    private MockHospitalSystem(string hospitalCode, int port, HospitalFaults faults, int seed, TimeProvider time)
    {
        HospitalCode = hospitalCode;
        this.faults = faults;
#pragma warning disable CA5394 // Reproducible faults, not security: a seeded Random is the point.
        random = new Random(seed);
#pragma warning restore CA5394
        this.time = time;
        server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = [$"http://127.0.0.1:{port}"],
            StartAdminInterface = false,
            MaxRequestLogCount = 100,
            PreWireMockMiddlewareInit = app => ((IApplicationBuilder)app).Use(DropMarkedAnswers),
        });
        // WireMock.Net listens on the loopback addresses only (for 127.0.0.1 it binds 127.0.0.1 and ::1) and reports
        // "localhost"; the URL handed out names 127.0.0.1.
        Url = new Uri($"http://127.0.0.1:{server.Ports[0]}/");
        foreach (var (kind, path) in new[] { (CallbackKind.ClearingStatement, "/medicalaid/clearing-statements"), (CallbackKind.Notification, "/medicalaid/notifications") })
        {
            var response = Response.Create();
            if (faults.Delay > TimeSpan.Zero)
            {
                response = response.WithDelay(faults.Delay);
            }

            server.Given(Request.Create().WithPath(path).UsingPost())
                .RespondWith(response.WithCallback(request => Receive(kind, request)));
        }
    }

    public string HospitalCode { get; }

    /// <summary>The callback base URL to register for the hospital.</summary>
    public Uri Url { get; }

    /// <summary>Every callback request, in arrival order.</summary>
    public IReadOnlyList<CallbackAttempt> Attempts
    {
        get
        {
            lock (gate)
            {
                return attempts.ToArray();
            }
        }
    }

    /// <summary>Each delivery stored, once, in arrival order.</summary>
    public IReadOnlyList<ReceivedCallback> Deliveries
    {
        get
        {
            lock (gate)
            {
                return deliveries.Values.OrderBy(delivery => delivery.ReceivedAt).ToArray();
            }
        }
    }

    /// <summary>Starts the system on <paramref name="port"/>, or on a free port when it is 0.</summary>
    public static MockHospitalSystem Start(string hospitalCode, int port = 0, HospitalFaults? faults = null, int seed = 0, TimeProvider? time = null) =>
        new(hospitalCode, port, faults ?? HospitalFaults.None, seed, time ?? TimeProvider.System);

    public int Count(DeliveryOutcome outcome)
    {
        lock (gate)
        {
            return attempts.Count(attempt => attempt.Outcome == outcome);
        }
    }

    private ResponseMessage Receive(CallbackKind kind, IRequestMessage request)
    {
        var deliveryId = Header(request, IHospitalCallbackApi.DeliveryIdHeader);
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (string.IsNullOrWhiteSpace(deliveryId) || !IsContractBody(kind, request.Body))
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Refused, now));
                return Answer(400);
            }

            var attempt = attemptCounts[deliveryId] = attemptCounts.GetValueOrDefault(deliveryId) + 1;
            var fault = attempt <= faults.FailFirstAttempts ? FaultKind.Error : FaultFor(isFirstAttempt: attemptedDeliveryIds.Add(deliveryId));
            if (fault == FaultKind.Error)
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Error, now));
                return Answer(500);
            }

            var isNew = deliveries.TryAdd(deliveryId, new ReceivedCallback(deliveryId, kind, request.Body ?? "", now));
            if (fault == FaultKind.Drop)
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Dropped, now));
                var dropped = Answer(204);
                dropped.AddHeader(DropMarkerHeader, "true");
                return dropped;
            }

            attempts.Add(new CallbackAttempt(deliveryId, kind, isNew ? DeliveryOutcome.Stored : DeliveryOutcome.Duplicate, now));
            return Answer(204);
        }
    }

    /// <summary>The first attempt of a delivery gets <see cref="HospitalFaults.FirstAttempt"/>; any attempt may get a random fault.</summary>
    private FaultKind FaultFor(bool isFirstAttempt)
    {
        if (isFirstAttempt && faults.FirstAttempt != FaultKind.None)
        {
            return faults.FirstAttempt;
        }

#pragma warning disable CA5394 // Reproducible faults, not security.
        var roll = random.NextDouble();
#pragma warning restore CA5394
        return roll < faults.ErrorRate ? FaultKind.Error
            : roll < faults.ErrorRate + faults.DropRate ? FaultKind.Drop
            : FaultKind.None;
    }

    private static bool IsContractBody(CallbackKind kind, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            return kind switch
            {
                CallbackKind.ClearingStatement => JsonSerializer.Deserialize<ClearingStatementNotice>(body, Json) is not null,
                _ => JsonSerializer.Deserialize<HospitalNotification>(body, Json) is not null,
            };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private static ResponseMessage Answer(int status) => new() { StatusCode = status };

    /// <summary>
    /// Runs before WireMock's own middleware: an answer marked by <see cref="Receive"/> aborts the connection just before its
    /// headers would be sent. (WireMock.Net's FaultType.EMPTY_RESPONSE and MALFORMED_RESPONSE_CHUNK still send the status
    /// line, so a client would see a success.)
    /// </summary>
    private static Task DropMarkedAnswers(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.Headers.ContainsKey(DropMarkerHeader))
            {
                context.Abort();
            }

            return Task.CompletedTask;
        });
        return next();
    }

    public void Dispose()
    {
        server.Stop();
        server.Dispose();
    }
}
