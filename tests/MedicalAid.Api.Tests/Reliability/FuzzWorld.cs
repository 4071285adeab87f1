using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// What the fuzzer knows about the data: identifiers each hospital owns (settlement, reversal and clearing-statement
/// ids, visit numbers, idempotency keys), seeded before the fuzz and learnt from each hospital's successful answers
/// during it, plus pools of existing values (beneficiary ids, hospital codes) that make generated requests reach the
/// handlers rather than stop at "not found".
/// </summary>
public sealed class FuzzWorld
{
    private readonly Dictionary<string, HashSet<string>> owners = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> guids = [];
    private readonly List<string> visitNumbers = [];
    private readonly List<string> keys = [];

    public static IReadOnlyList<string> ProtectedHospitalCodes { get; } = ["H001", "H002", "H003"];

    public IReadOnlyList<string> Guids => guids;

    public IReadOnlyList<string> VisitNumbers => visitNumbers;

    public IReadOnlyList<string> IdempotencyKeys => keys;

    public List<string> BeneficiaryIds { get; } = [];

    public List<string> HospitalCodes { get; } = [.. ProtectedHospitalCodes];

    /// <summary>Hospitals the fuzz registered: they may be deactivated or have their key rotated, the demo ones may not.</summary>
    public List<string> ExpendableHospitalCodes { get; } = [];

    /// <summary>Each demo hospital settles a few visits of October and November 2026 (one reversed), and October is cleared.</summary>
    public static async Task<FuzzWorld> SeedAsync(MedicalAidApp app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var world = new FuzzWorld();
        var suffix = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var patient = new PatientIdentity { IdNumber = "140109196208150026", Name = "李秀英" };
        foreach (var (code, _, _, apiKey) in Demo.DemoSeeder.Hospitals)
        {
            using var hospital = app.Hospital(apiKey);
            for (var visit = 0; visit < 4; visit++)
            {
                var visitNumber = $"ISO-{code}-{visit}-{suffix}";
                var key = $"iso-{code}-key-{visit}-{suffix}";
                var request = Requests.Outpatient(patient, 300.00m + visit, 300.00m, 100.00m, new DateOnly(2026, 10, 10 + visit)) with { VisitNumber = visitNumber };
                using var settled = await hospital.SettleAsync(request, key);
                var settlement = await ReadAsync<SettlementResponse>(settled, HttpStatusCode.Created, cancellationToken);
                world.Own(code, settlement.SettlementId.ToString(), visitNumber, key);
                if (visit == 0)
                {
                    using var reversed = await hospital.ReverseAsync(settlement.SettlementId, $"{key}-reversal");
                    var reversal = await ReadAsync<ReversalResponse>(reversed, HttpStatusCode.Created, cancellationToken);
                    world.Own(code, reversal.ReversalId.ToString(), $"{key}-reversal");
                }
            }
        }

        using var admin = app.Staff("admin", "模糊准备");
        using var cleared = await admin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new ClearingRunRequest { Month = "2026-10" }, cancellationToken);
        foreach (var statement in (await ReadAsync<ClearingRunResponse>(cleared, HttpStatusCode.OK, cancellationToken)).Statements)
        {
            world.Own(statement.HospitalCode, statement.StatementId.ToString());
        }

        var beneficiaries = await admin.GetFromJsonAsync<Page<BeneficiaryListItem>>("/api/v1/admin/beneficiaries?pageSize=100", cancellationToken);
        world.BeneficiaryIds.AddRange(beneficiaries!.Items.Select(item => item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return world;
    }

    /// <summary>The hospitals owning an identifier; empty when it is nobody's.</summary>
    public IReadOnlySet<string> OwnersOf(string identifier) =>
        owners.TryGetValue(identifier, out var found) ? found : new HashSet<string>();

    /// <summary>
    /// Identifiers owned by other hospitals but not by <paramref name="hospital"/> that occur in <paramref name="text"/>
    /// as a whole token (identifiers are letters, digits and - _ . /, so the text is cut at anything else, and again
    /// at . and / so that an id inside a path is found too).
    /// </summary>
    public IEnumerable<string> ForeignIdentifiersIn(string text, string hospital)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokens(text, withDotAndSlash: true).Concat(Tokens(text, withDotAndSlash: false))
            .Where(token => owners.TryGetValue(token, out var found) && !found.Contains(hospital))
            .Distinct(StringComparer.OrdinalIgnoreCase);

        static IEnumerable<string> Tokens(string text, bool withDotAndSlash)
        {
            var start = -1;
            for (var i = 0; i <= text.Length; i++)
            {
                var inToken = i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '-' or '_' || (withDotAndSlash && text[i] is '.' or '/'));
                if (inToken && start < 0)
                {
                    start = i;
                }
                else if (!inToken && start >= 0)
                {
                    if (i - start >= 8)
                    {
                        yield return text[start..i];
                    }

                    start = -1;
                }
            }
        }
    }

    /// <summary>Learns from a hospital's successful answer which settlements, reversals, statements and visits are its own.</summary>
    public void Learn(string hospital, string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            Walk(document.RootElement);
        }

        void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Value.ValueKind == JsonValueKind.String && property.Name is "settlementId" or "reversalId" or "statementId" or "visitNumber")
                        {
                            Own(hospital, property.Value.GetString()!);
                        }
                        else
                        {
                            Walk(property.Value);
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }

    /// <summary>Learns the codes of hospitals that staff registered during the fuzz.</summary>
    public void LearnRegisteredHospital(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("hospital", out var hospital) && hospital.TryGetProperty("code", out var code)
                && code.GetString() is { } registered && !HospitalCodes.Contains(registered))
            {
                HospitalCodes.Add(registered);
                ExpendableHospitalCodes.Add(registered);
            }
        }
        catch (JsonException)
        {
        }
    }

    public void LearnBeneficiary(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number)
            {
                BeneficiaryIds.Add(id.GetRawText());
            }
        }
        catch (JsonException)
        {
        }
    }

    private void Own(string hospital, params string[] identifiers)
    {
        foreach (var identifier in identifiers)
        {
            // Too short, or without a digit, a token is no identifier but a word the API itself writes: a visit number
            // the fuzzer set to "inpatient" is also the name of a channel in every answer.
            if (identifier.Length < 8 || !identifier.Any(char.IsAsciiDigit))
            {
                continue;
            }

            if (!owners.TryGetValue(identifier, out var set))
            {
                owners[identifier] = set = new HashSet<string>(StringComparer.Ordinal);
                if (Guid.TryParse(identifier, out _))
                {
                    guids.Add(identifier);
                }
                else if (identifier.Contains("-key-", StringComparison.Ordinal))
                {
                    keys.Add(identifier);
                }
                else
                {
                    visitNumbers.Add(identifier);
                }
            }

            set.Add(hospital);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == expected, $"Fuzz set-up: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }
}
