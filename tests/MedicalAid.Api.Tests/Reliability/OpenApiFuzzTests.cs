using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Tests.Reliability;

public sealed class SqliteOpenApiFuzzTests(SqliteReliabilityFixture fixture) : OpenApiFuzzTests(fixture), IClassFixture<SqliteReliabilityFixture>;

public sealed class PostgresOpenApiFuzzTests(PostgresReliabilityFixture fixture) : OpenApiFuzzTests(fixture), IClassFixture<PostgresReliabilityFixture>;

/// <summary>
/// Hostile input driven by the service's own OpenAPI document: every operation, under every kind of credential, with
/// generated and mutated requests (see <see cref="FuzzRequestFactory"/>). For every request: no 5xx; a refused
/// request (any non-2xx) recorded nothing (no row written to any table, seen by triggers); an answer to a hospital
/// names no settlement, reversal, clearing statement, visit or key of another hospital that the request did not
/// itself contain, and a hospital never succeeds on another hospital's settlement or statement; problems are
/// application/problem+json. Each failure prints the seed and a curl command that sends the request again.
/// </summary>
public abstract class OpenApiFuzzTests
{
    private const int MaxFailuresReported = 25;

    protected OpenApiFuzzTests(ReliabilityFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        App = fixture.App;
    }

    private MedicalAidApp App { get; }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GeneratedRequests_ToEveryOperationWithEveryCredential_NeverFailTheServerRecordNothingWhenRefusedAndShowNoOtherHospitalsData()
    {
        var output = TestContext.Current.TestOutputHelper;
        var seed = ReliabilitySettings.FuzzSeed ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var requests = ReliabilitySettings.FuzzRequests;
        output?.WriteLine($"Fuzzing with MEDICALAID_FUZZ_SEED={seed}, MEDICALAID_FUZZ_REQUESTS={requests} on {App.Database.Provider}.");

        using var client = App.CreateClient();
        var catalog = await OpenApiCatalog.LoadAsync(client, Cancel);
        var credentials = FuzzCredentials.All(catalog, await FuzzCredentials.ConsoleSessionsAsync(App));
        var world = await FuzzWorld.SeedAsync(App, Cancel);
        var factory = new FuzzRequestFactory(world, credentials, catalog.ApiKeyHeader, new PCG(1, seed));
        using (var admin = App.Staff("admin", "模糊准备"))
        {
            var demo = await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/policies/demo", Cancel);
            factory.UsePolicyTemplate(demo!["policy"]!);
        }

        var staffAuthorizations = credentials.Where(credential => credential.IsStaff)
            .SelectMany(credential => credential.Variants.SelectMany(headers => headers.Select(header => header.Value)))
            .ToHashSet(StringComparer.Ordinal);
        var writes = await DatabaseWriteLog.InstallAsync(App);
        var pairs = catalog.Operations.SelectMany(operation => credentials.Select(credential => (operation, credential))).ToList();
        var pick = new PCG(2, seed);
        var stats = new FuzzStatistics();
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        var written = await writes.CountAsync();

        for (var index = 0; index < requests && failures.Count < MaxFailuresReported; index++)
        {
            // Every operation meets every credential once first; after that, mostly the credentials the operation is for.
            var (operation, credential) = index < pairs.Count ? pairs[index] : PickPair(pick, catalog.Operations, credentials);
            var request = factory.Create(operation, credential);
            while (!SendableInProcess(request))
            {
                stats.NotSendable++;
                request = factory.Create(operation, credential);
            }

            using var message = request.ToMessage();
            using var response = await client.SendAsync(message, Cancel);
            var body = await response.Content.ReadAsByteArrayAsync(Cancel);
            var text = Encoding.UTF8.GetString(body);
            var status = (int)response.StatusCode;
            var writtenNow = await writes.CountAsync();
            stats.Count(operation, credential, status, request);

            var problems = new List<string>();
            if (status >= 500)
            {
                problems.Add($"{status} server error");
            }

            var succeeded = status is >= 200 and < 300;
            if (!succeeded && writtenNow != written)
            {
                problems.Add($"a refused request ({status}) wrote {writtenNow - written} row(s): {string.Join(", ", await writes.WritesAfterAsync(written))}");
            }

            if (status >= 400 && body.Length > 0 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                problems.Add($"a {status} answered with {response.Content.Headers.ContentType} instead of application/problem+json");
            }

            if (status >= 400 && FrameworkWords.FirstOrDefault(word => text.Contains(word, StringComparison.Ordinal)) is { } word)
            {
                problems.Add($"a {status} problem names the framework's own types or parameters ({word})");
            }

            if (succeeded && request.Headers.Count(header => string.Equals(header.Name, "Idempotency-Key", StringComparison.OrdinalIgnoreCase)) > 1)
            {
                problems.Add($"two Idempotency-Key headers were accepted ({status}) instead of a 400");
            }

            if (succeeded && request.Method != HttpMethod.Get && RefusedTextIn(request) is { } refused)
            {
                problems.Add($"a body holding an invisible or control character (U+{refused:X4}) was accepted ({status})");
            }

            // Who the request speaks for is what its headers say after mutation (a key may have been dropped or added).
            var callers = HospitalsCalling(request, catalog.ApiKeyHeader);
            var staff = request.Headers.Any(header => header.Name is "Authorization" or "Cookie" && staffAuthorizations.Contains(header.Value));
            if (operation.IsStaff)
            {
                if (succeeded && !staff)
                {
                    problems.Add($"a staff endpoint answered {status} to a request without a staff token");
                }
            }
            else if (callers.Count > 0)
            {
                var asked = request.SearchableText();
                var answer = text + "\n" + response.Headers.Location;
                var leaked = callers.Aggregate(world.ForeignIdentifiersIn(answer, callers[0]), (found, caller) => found.Intersect(world.ForeignIdentifiersIn(answer, caller)))
                    .Where(identifier => !asked.Contains(identifier, StringComparison.OrdinalIgnoreCase)).ToList();
                if (leaked.Count > 0)
                {
                    problems.Add($"the answer to {string.Join('+', callers)} shows other hospitals' data: {string.Join(", ", leaked.Select(id => $"{id} (of {string.Join('/', world.OwnersOf(id))})"))}");
                }

                var target = Unescape(request.Target);
                var reached = callers.Aggregate(world.ForeignIdentifiersIn(target, callers[0]), (found, caller) => found.Intersect(world.ForeignIdentifiersIn(target, caller)))
                    .Where(id => Guid.TryParse(id, out _)).ToList();
                if (succeeded && reached.Count > 0)
                {
                    problems.Add($"{string.Join('+', callers)} succeeded ({status}) on another hospital's {string.Join(", ", reached)}");
                }

                if (succeeded && callers.Count == 1)
                {
                    world.Learn(callers[0], text);
                }
            }
            else if (succeeded)
            {
                problems.Add($"a hospital endpoint answered {status} to a request without a hospital's key");
            }

            if (succeeded && operation.Id == "RegisterHospital")
            {
                world.LearnRegisteredHospital(text);
            }
            else if (succeeded && operation.Id == "CreateBeneficiary")
            {
                world.LearnBeneficiary(text);
            }

            if (problems.Count > 0)
            {
                failures.Add(
                    $"Request #{index + 1} (replay: MEDICALAID_FUZZ_SEED={seed} MEDICALAID_FUZZ_REQUESTS={index + 1}), {operation} as {credential}: "
                    + $"{string.Join("; ", problems)}{Environment.NewLine}    {request.Describe()}{Environment.NewLine}    → {status} {Excerpt(text)}");
            }

            written = writtenNow;
        }

        output?.WriteLine($"{stats.Requests} requests in {stopwatch.Elapsed.TotalSeconds:0.0} s on {App.Database.Provider}.");
        output?.WriteLine(stats.Summary(pairs.Count));
        failures.AddRange(await CrossHospitalRecordsAsync());
        Assert.True(failures.Count == 0, $"Fuzzing found {failures.Count} problem(s) (seed {seed}):{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        Assert.True(requests < pairs.Count || stats.PairsCovered == pairs.Count, "Every operation was sent under every credential.");
        await App.AssertInvariantsAsync();
    }

    /// <summary>Found by the fuzzer: a null element in the categories list was a 500 (NullReferenceException).</summary>
    [Fact]
    public async Task CreatePolicy_WithANullCategoryRule_Is400NamingIt()
    {
        using var admin = App.Staff("admin");
        var policy = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/admin/policies/demo", Cancel))!["policy"]!.AsObject();
        policy["code"] = "null-category";
        policy["effectiveFrom"] = "2030-01-01";
        policy["categories"]!.AsArray().Insert(1, null);

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/policies", policy, Cancel);

        var problem = await AssertValidationProblemAsync(response);
        Assert.True(problem["errors"]!.AsObject().ContainsKey("categories[1]"), problem.ToJsonString());
    }

    /// <summary>Found by the fuzzer: the page offset overflowed int, and PostgreSQL refused the negative OFFSET with a 500.</summary>
    [Fact]
    public async Task PagedSearch_WithAPageNumberNearIntMax_IsAnEmptyPage()
    {
        using var admin = App.Staff("admin");

        var page = await admin.GetFromJsonAsync<JsonObject>($"/api/v1/admin/audit?pageSize=100&pageNumber={int.MaxValue}", Cancel);

        Assert.Empty(page!["items"]!.AsArray());
        Assert.Equal(int.MaxValue, page["pageNumber"]!.GetValue<int>());
    }

    /// <summary>Found by the fuzzer: PostgreSQL cannot compare text holding a NUL, so such a search was a 500.</summary>
    [Theory]
    [InlineData("/api/v1/admin/beneficiaries?idNumber=a%00b", "idNumber")]
    [InlineData("/api/v1/admin/settlements?name=%00", "name")]
    [InlineData("/api/v1/admin/audit?actor=x%00", "actor")]
    public async Task StaffSearch_WithANulInAQueryParameter_Is400NamingIt(string target, string parameter)
    {
        using var admin = App.Staff("admin");

        using var response = await admin.GetAsync(new Uri(target, UriKind.Relative), Cancel);

        var problem = await AssertValidationProblemAsync(response);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(parameter), problem.ToJsonString());
    }

    [Fact]
    public async Task FindByVisit_WithANulInTheVisitNumber_Is400()
    {
        using var hospital = App.Hospital();

        using var response = await hospital.GetAsync(new Uri("/api/v1/settlements?visitNumber=ZY%001", UriKind.Relative), Cancel);

        await AssertValidationProblemAsync(response);
    }

    private static async Task<JsonObject> AssertValidationProblemAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(Contracts.ProblemTypes.Validation, problem["type"]!.GetValue<string>());
        return problem;
    }

    /// <summary>
    /// The in-process test server decodes the path on the client's side and throws for what Kestrel itself refuses
    /// with 400 before any application code runs (a NUL in the path); such requests are counted, not sent.
    /// </summary>
    private static bool SendableInProcess(FuzzRequest request)
    {
        try
        {
            _ = Microsoft.AspNetCore.Http.PathString.FromUriComponent(new Uri(new Uri("http://localhost"), request.Target));
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Found by the fuzzer: a refused settlement used to leave the usage row it had created to lock on.</summary>
    [Fact]
    public async Task Settle_RefusedForAnAlreadySettledVisitOrUnopenedFunds_WritesNoRowAtAll()
    {
        var writes = await DatabaseWriteLog.InstallAsync(App);
        var first = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving);
        var second = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving);
        using var hospital = App.Hospital();
        var visit = Requests.Inpatient(first, 5_000.00m, 4_000.00m, 2_000.00m);
        using var settled = await hospital.SettleAsync(visit);
        Assert.Equal(System.Net.HttpStatusCode.Created, settled.StatusCode);
        var before = await writes.CountAsync();

        using var sameVisit = await hospital.SettleAsync(visit with { Patient = second });
        using var unopenedYear = await hospital.SettleAsync(Requests.Inpatient(second, 5_000.00m, 4_000.00m, 2_000.00m, dischargeDate: new DateOnly(2024, 6, 1)));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, sameVisit.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, unopenedYear.StatusCode);
        Assert.Empty(await writes.WritesAfterAsync(before));
    }

    /// <summary>The demo hospitals whose keys the request carries.</summary>
    private static List<string> HospitalsCalling(FuzzRequest request, string apiKeyHeader) =>
        request.Headers
            .Where(header => string.Equals(header.Name, apiKeyHeader, StringComparison.OrdinalIgnoreCase))
            .SelectMany(header => Demo.DemoSeeder.Hospitals.Where(hospital => hospital.ApiKey == header.Value).Select(hospital => hospital.Code))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>Names only the framework uses: a problem that shows one reveals the implementation instead of the field.</summary>
    private static readonly string[] FrameworkWords = ["Nullable<", "Implicit body", "Failed to bind", "MedicalAid.Contracts.", "System.", "Microsoft."];

    /// <summary>The first character TextRules refuses in any string of the request's JSON body, or null.</summary>
    private static int? RefusedTextIn(FuzzRequest request)
    {
        if (request.Body is null || request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            return null;
        }

        try
        {
            return Strings(JsonNode.Parse(request.Body)).Select(TextRules.FirstRefused).FirstOrDefault(found => found is not null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject members => members.SelectMany(member => Strings(member.Value)),
        JsonArray items => items.SelectMany(Strings),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };

    private static string Unescape(string target)
    {
        try
        {
            return Uri.UnescapeDataString(target);
        }
        catch (UriFormatException)
        {
            return target;
        }
    }

    private static (FuzzOperation, FuzzCredential) PickPair(PCG random, IReadOnlyList<FuzzOperation> operations, IReadOnlyList<FuzzCredential> credentials)
    {
        var operation = operations[Gen.Int[0, operations.Count - 1].Generate(random, null!, out _)];
        var intended = credentials.Where(credential => operation.IsStaff ? credential.IsStaff : credential.HospitalCode is not null).ToList();
        var from = Gen.Int[0, 99].Generate(random, null!, out _) < 65 ? intended : credentials;
        return (operation, from[Gen.Int[0, from.Count - 1].Generate(random, null!, out _)]);
    }

    /// <summary>In the database after the fuzz: every reversal, ledger entry and idempotency record of a settlement belongs to the settlement's hospital.</summary>
    private Task<List<string>> CrossHospitalRecordsAsync() =>
        App.WithDbAsync(async db =>
        {
            var found = new List<string>();
            var settlements = await db.Settlements.AsNoTracking().ToDictionaryAsync(settlement => settlement.Id, settlement => settlement.HospitalId, Cancel);
            found.AddRange((await db.SettlementReversals.AsNoTracking().ToListAsync(Cancel))
                .Where(reversal => settlements[reversal.SettlementId] != reversal.HospitalId)
                .Select(reversal => $"Reversal {reversal.Id} by hospital {reversal.HospitalId} of another hospital's settlement {reversal.SettlementId}"));
            found.AddRange((await db.LedgerEntries.AsNoTracking().Where(entry => entry.SettlementId != null).ToListAsync(Cancel))
                .Where(entry => settlements[entry.SettlementId!.Value] != entry.HospitalId)
                .Select(entry => $"Ledger entry {entry.Id} of hospital {entry.HospitalId} on another hospital's settlement {entry.SettlementId}"));
            found.AddRange((await db.IdempotencyRecords.AsNoTracking().Where(record => record.SettlementId != null).ToListAsync(Cancel))
                .Where(record => settlements[record.SettlementId!.Value] != record.HospitalId)
                .Select(record => $"Idempotency record {record.Key} of hospital {record.HospitalId} on another hospital's settlement {record.SettlementId}"));
            return found;
        });

    private static string Excerpt(string text) =>
        text.Length <= 600 ? text : string.Concat(text.AsSpan(0, 600), $"… ({text.Length} chars)");
}

/// <summary>What the fuzz sent and got: per operation, credential, status and mutation.</summary>
public sealed class FuzzStatistics
{
    private readonly Dictionary<string, Dictionary<int, int>> byOperation = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> byStatus = [];
    private readonly Dictionary<string, int> byMutation = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> pairs = [];

    private readonly Dictionary<string, Dictionary<int, int>> byCredential = new(StringComparer.Ordinal);

    public int Requests { get; private set; }

    public int NotSendable { get; set; }

    public int PairsCovered => pairs.Count;

    public void Count(FuzzOperation operation, FuzzCredential credential, int status, FuzzRequest request)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(request);
        Requests++;
        pairs.Add((operation.Id, credential.Name));
        if (!byOperation.TryGetValue(operation.Id, out var statuses))
        {
            byOperation[operation.Id] = statuses = [];
        }

        statuses[status] = statuses.GetValueOrDefault(status) + 1;
        var answered = byCredential.TryGetValue(credential.Name, out var counts) ? counts : byCredential[credential.Name] = [];
        var kind = status / 100 * 100;
        answered[kind] = answered.GetValueOrDefault(kind) + 1;
        byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        foreach (var mutation in request.Mutations.DefaultIfEmpty("unmutated"))
        {
            byMutation[mutation] = byMutation.GetValueOrDefault(mutation) + 1;
        }
    }

    public string Summary(int possiblePairs) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            operation × credential pairs covered: {pairs.Count} of {possiblePairs}; generated but not sendable in process (Kestrel's own 400), drawn again: {NotSendable}
            statuses: {string.Join(", ", byStatus.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}×{pair.Value}"))}
            mutations: {string.Join(", ", byMutation.OrderByDescending(pair => pair.Value).Select(pair => $"{pair.Key}×{pair.Value}"))}
            per credential (by status class): {string.Join("; ", byCredential.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {string.Join(" ", pair.Value.OrderBy(kind => kind.Key).Select(kind => $"{kind.Key / 100}xx×{kind.Value}"))}"))}
            per operation:
            {string.Join(Environment.NewLine, byOperation.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"  {pair.Key}: {string.Join(", ", pair.Value.OrderBy(status => status.Key).Select(status => $"{status.Key}×{status.Value}"))}"))}
            """);
}
