using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using MedicalAid.Engine;
using Microsoft.OpenApi;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// Generates a request for an operation of the OpenAPI document with CsCheck generators: parameters and body from
/// the operation's schemas (with values a real caller would send, drawn from what exists, so that requests reach the
/// handlers), then, most of the time, one to three hostile mutations: wrong types, boundary numbers, missing, null,
/// unknown and duplicated fields, deep nesting, long strings, huge bodies, invalid UTF-8 and other encodings, broken
/// JSON, wrong or missing Content-Type, missing and duplicated headers (Idempotency-Key and credentials), and
/// injection, Unicode and very long strings in path and query parameters.
/// </summary>
public sealed class FuzzRequestFactory(FuzzWorld world, IReadOnlyList<FuzzCredential> credentials, string apiKeyHeader, PCG random)
{
    private const string MarkerPrefix = "@@fz";

    private static readonly JsonSerializerOptions BodyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly DateOnly Today = Infrastructure.MedicalAidApp.Today;

    private readonly Dictionary<string, byte[]> raw = [];
    private int fresh;

    public enum Mutation
    {
        WrongType,
        BoundaryNumber,
        RemoveField,
        NullField,
        UnknownField,
        DuplicateProperty,
        DeepNesting,
        LongString,
        HugeBody,
        InvalidUtf8,
        OtherEncoding,
        BrokenJson,
        WrongContentType,
        NoContentType,
        UnexpectedBody,
        MissingHeader,
        DuplicateHeader,
        HostileHeader,
        DuplicateCredential,
        HostilePath,
        HostileQuery,
        DuplicateQuery,
        UnknownQuery,
        ControlCharacter,
    }

    /// <summary>Injection, Unicode, control characters, numbers out of range and very long strings.</summary>
    public static IReadOnlyList<string> HostileStrings { get; } =
    [
        "' OR '1'='1", "'; DROP TABLE \"Settlements\"; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(3); --", "' UNION SELECT \"ApiKeyHash\" FROM \"Hospitals\" --",
        "Robert'); DROP TABLE Students;--", "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2f", "<script>alert(1)</script>",
        "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "%00", "\u0000", "a\u0000b", "\t", "\r\n", " ", "", "null", "undefined", "NaN", "Infinity", "-1", "0",
        "99999999999999999999999999999", "1e309", "0x7fffffff", "😀🏥", "𠜎𠜱𠝹", "\u202Egnp.exe", "e\u0301\u0301\u0301", "１２３４", "ÄÖÜß", "\uFEFFH001", "王建国",
        "\u0085\u2028\u2029", "*", "%", "_", "\\", "/", "?", "#", "&", "=", ";", "%ZZ", "%", "+", new string('A', 300), new string('9', 5000), string.Concat(Enumerable.Repeat("字", 10_000)),
        "140109196208150026' --", "H001' OR '1'='1", "H002", "demo", "admin",
        "李\u200b秀英", "李秀英\u200d", "\u2066王建国\u2069", "H001\uE000", "王\u0378建国",
    ];

    private static readonly string[] Hostile = [.. HostileStrings];

    private static readonly string[] BoundaryNumbers =
    [
        "0", "-0", "-0.01", "0.001", "1.005", "0.1e1", "1e2", "1E+2", "1e-7", "1e400", "-1e400", "79228162514264337593543950335", "79228162514264337593543950336",
        "-79228162514264337593543950336", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483647", "2147483648", "-2147483649",
        "100000000.00", "100000000.01", "99999999999999.99", "0.1234567890123456789012345678901", "1" + new string('0', 400), "NaN", "Infinity", "-Infinity",
        "01", "+1", ".5", "5.", "0x10", "1_000", "\"12.50\"", "\"NaN\"", "\"Infinity\"", "\"1e400\"", "true", "[]", "{}",
    ];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz", "application/json; charset=utf-16",
        "application/json; charset=latin1", "application/json;;;", "*/*", "application/problem+json", "text/csv", "application/octet-stream",
        "application/json; charset=\"", "garbage", "application/" + new string('j', 2000),
    ];

    private static readonly (string Code, string Name)[] DemoPeople =
        [.. Demo.DemoSeeder.Beneficiaries.Select(person => (person.IdNumber, person.Name))];

    private static readonly string[] Categories = [.. DemoPolicy.Categories.Select(category => category.Code)];

    private static readonly string[] ChannelNames = ["insuranceSubsidy", "outpatient", "inpatient", "temporary", "charity"];

    private JsonNode? validPolicy;

    /// <summary>A valid policy version body to start CreatePolicy requests from (the demo policy's, fetched before the fuzz).</summary>
    public void UsePolicyTemplate(JsonNode policy) => validPolicy = policy;

    public FuzzRequest Create(FuzzOperation operation, FuzzCredential credential)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(credential);
        raw.Clear();
        var mutationCount = Draw(Gen.Frequency((15, Gen.Const(0)), (10, Gen.Const(1)), (5, Gen.Const(2)), (2, Gen.Const(3))));

        var pathValues = operation.Parameters.Where(parameter => parameter.In == ParameterLocation.Path)
            .ToDictionary(parameter => parameter.Name, parameter => Text(ValueFor(parameter.Schema, parameter.Name, operation)), StringComparer.Ordinal);
        var query = operation.Parameters.Where(parameter => parameter.In == ParameterLocation.Query && (parameter.Required || Chance(55)))
            .Select(parameter => (parameter.Name, Value: Text(ValueFor(parameter.Schema, parameter.Name, operation)))).ToList();
        var headers = operation.Parameters.Where(parameter => parameter.In == ParameterLocation.Header && (parameter.Required || Chance(92)))
            .Select(parameter => (parameter.Name, Value: Text(ValueFor(parameter.Schema, parameter.Name, operation)))).ToList();
        var credentialHeaders = credential.Variants[Draw(Gen.Int[0, credential.Variants.Count - 1])].ToList();

        JsonNode? json = null;
        string? text = null;
        string? contentType = operation.BodyMediaType;
        if (operation.BodyMediaType is "text/csv")
        {
            text = Csv();
        }
        else if (operation.BodyMediaType is not null)
        {
            json = Template(operation) ?? Draw(Value(operation.BodySchema, "body", 0));
        }

        var request = new FuzzRequest { Method = operation.Method, Target = "" };
        var encoding = Encoding.UTF8;
        var escapePath = true;
        var hugeBody = 0;
        var mutations = new List<Mutation>();
        for (var round = 0; round < mutationCount; round++)
        {
            var mutation = Draw(Gen.OneOf(Applicable(json, text, headers, pathValues, query)));
            mutations.Add(mutation);
            request.Mutations.Add(mutation.ToString());
            switch (mutation)
            {
                case Mutation.WrongType when json is not null:
                    Replace(ref json, Draw(WrongTypeValue));
                    break;
                case Mutation.BoundaryNumber when json is not null:
                    Replace(ref json, Raw(Draw(Gen.OneOf(BoundaryNumbers))));
                    break;
                case Mutation.BoundaryNumber:
                    query.Add((Draw(Gen.OneOf("pageSize", "pageNumber", "year", "date")), Draw(Gen.OneOf(BoundaryNumbers))));
                    break;
                case Mutation.RemoveField when json is not null:
                    Remove(json);
                    break;
                case Mutation.NullField when json is not null:
                    Replace(ref json, null);
                    break;
                case Mutation.UnknownField when json is JsonObject unknownHost:
                    unknownHost["fuzz" + Draw(Gen.Int[0, 99])] = Draw(WrongTypeValue);
                    break;
                case Mutation.DuplicateProperty when json is JsonObject duplicateHost && duplicateHost.Count > 0:
                    var (duplicateName, duplicateValue) = duplicateHost.ElementAt(Draw(Gen.Int[0, duplicateHost.Count - 1]));
                    var copy = Raw($"{JsonSerializer.Serialize(duplicateName)}:{(duplicateValue is null ? "null" : Draw(WrongTypeValue)?.ToJsonString() ?? "null")},{JsonSerializer.Serialize(duplicateName)}:{duplicateValue?.ToJsonString(BodyJson) ?? "null"}");
                    duplicateHost.Remove(duplicateName);
                    duplicateHost["@@dup"] = copy;
                    break;
                case Mutation.DeepNesting:
                    var depth = Draw(Gen.Frequency((3, Gen.Int[17, 200]), (2, Gen.Int[1_000, 20_000])));
                    var nested = Draw(Gen.Bool)
                        ? new string('[', depth) + "1" + new string(']', depth)
                        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                    if (json is null && contentType is null)
                    {
                        json = Raw(nested);
                        contentType = "application/json";
                    }
                    else
                    {
                        Replace(ref json, Raw(nested));
                    }

                    break;
                case Mutation.LongString when json is not null:
                    Replace(ref json, JsonValue.Create(Draw(Gen.OneOf(new string('x', 257), new string('x', 5_000), string.Concat(Enumerable.Repeat("长", 20_000)), new string('9', 60_000)))));
                    break;
                case Mutation.LongString when text is not null:
                    text += new string('x', 60_000);
                    break;
                case Mutation.HugeBody:
                    hugeBody = Draw(Gen.OneOf(65 * 1024, 200 * 1024, 2 * 1024 * 1024));
                    request.Chunked = Chance(35);
                    break;
                case Mutation.InvalidUtf8 when json is not null:
                    Replace(ref json, RawBytes(Draw(Gen.OneOf(InvalidUtf8Strings))));
                    break;
                case Mutation.InvalidUtf8 when text is not null:
                    text += "\n" + MarkerPrefix + "utf8";
                    raw[MarkerPrefix + "utf8"] = [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80];
                    break;
                case Mutation.OtherEncoding:
                    encoding = Draw(Gen.OneOf<Encoding>(new UnicodeEncoding(false, true), new UnicodeEncoding(true, true), Encoding.Latin1, new UTF8Encoding(true), new UTF32Encoding(false, true)));
                    break;
                case Mutation.BrokenJson when json is not null:
                    json = Raw(Draw(BrokenJson(json.ToJsonString(BodyJson))));
                    break;
                case Mutation.WrongContentType:
                    contentType = Draw(Gen.OneOf(ContentTypes));
                    break;
                case Mutation.NoContentType:
                    contentType = null;
                    break;
                case Mutation.UnexpectedBody when json is null && text is null:
                    json = Draw(Value(null, "body", 0)) ?? new JsonObject { ["visitNumber"] = "FZ-UNEXPECTED" };
                    contentType = "application/json";
                    break;
                case Mutation.MissingHeader when headers.Count > 0:
                    headers.RemoveAt(Draw(Gen.Int[0, headers.Count - 1]));
                    break;
                case Mutation.MissingHeader:
                    credentialHeaders.Clear();
                    break;
                case Mutation.DuplicateHeader when headers.Count > 0:
                    var (headerName, headerValue) = headers[Draw(Gen.Int[0, headers.Count - 1])];
                    headers.Add((headerName, Chance(50) ? headerValue : Draw(KeyValue)));
                    break;
                case Mutation.HostileHeader when headers.Count > 0:
                    var hostileIndex = Draw(Gen.Int[0, headers.Count - 1]);
                    headers[hostileIndex] = (headers[hostileIndex].Name, Draw(Gen.OneOf(Hostile)));
                    break;
                case Mutation.HostileHeader:
                    credentialHeaders.Add((Draw(Gen.OneOf(apiKeyHeader, "Authorization")), Draw(Gen.OneOf(Hostile))));
                    break;
                case Mutation.DuplicateHeader:
                    credentialHeaders.AddRange(credentialHeaders.ToList());
                    break;
                case Mutation.DuplicateCredential:
                    var other = credentials[Draw(Gen.Int[0, credentials.Count - 1])];
                    credentialHeaders.AddRange(other.Variants[Draw(Gen.Int[0, other.Variants.Count - 1])]);
                    if (Chance(50) && credentialHeaders.Count > 1)
                    {
                        credentialHeaders.Add(credentialHeaders[0]);
                    }

                    break;
                case Mutation.HostilePath when pathValues.Count > 0:
                    var pathName = pathValues.Keys.ElementAt(Draw(Gen.Int[0, pathValues.Count - 1]));
                    pathValues[pathName] = Draw(Gen.OneOf(Hostile));
                    escapePath = Chance(70);
                    break;
                case Mutation.HostileQuery when query.Count > 0:
                    var queryIndex = Draw(Gen.Int[0, query.Count - 1]);
                    query[queryIndex] = (query[queryIndex].Name, Draw(Gen.OneOf(Hostile)));
                    break;
                case Mutation.HostileQuery or Mutation.UnknownQuery:
                    query.Add((Draw(Gen.OneOf("fuzz", "visitNumber", "pageSize", "$filter", "a[b]", "", "date")), Draw(Gen.OneOf(Hostile))));
                    break;
                case Mutation.ControlCharacter when json is not null:
                    var strings = Positions(json).Where(position => Node(json, position) is JsonValue value && value.TryGetValue<string>(out _)).ToList();
                    if (strings.Count == 0)
                    {
                        Replace(ref json, JsonValue.Create("a\u0000b"));
                        break;
                    }

                    var (stringParent, stringProperty, stringIndex) = strings[Draw(Gen.Int[0, strings.Count - 1])];
                    var original = Node(json, (stringParent, stringProperty, stringIndex))!.GetValue<string>();
                    var spliced = original.Insert(Draw(Gen.Int[0, original.Length]), Draw(Gen.OneOf("\u0000", "\u0001", "\u0008", "\u001b", "\u007f", "\u0085", "\r\n", "\uFFFF", "\uD800")));
                    if (stringParent is JsonObject stringObject)
                    {
                        stringObject[stringProperty!] = spliced;
                    }
                    else if (stringParent is JsonArray stringArray)
                    {
                        stringArray[stringIndex] = spliced;
                    }
                    else
                    {
                        json = JsonValue.Create(spliced);
                    }

                    break;
                case Mutation.ControlCharacter when query.Count > 0:
                    var controlIndex = Draw(Gen.Int[0, query.Count - 1]);
                    query[controlIndex] = (query[controlIndex].Name, query[controlIndex].Value + Draw(Gen.OneOf("\u0000", "\u0001", "\u001b", "\u007f")));
                    break;
                case Mutation.DuplicateQuery when query.Count > 0:
                    var (queryName, _) = query[Draw(Gen.Int[0, query.Count - 1])];
                    query.Add((queryName, Draw(Gen.OneOf(Hostile))));
                    break;
                default:
                    request.Mutations[^1] += " (no-op)";
                    break;
            }
        }

        request.Target = Target(operation.Path, pathValues, query, escapePath);
        request.Headers.AddRange(headers);
        request.Headers.AddRange(credentialHeaders);
        request.ContentType = contentType;
        if (json is not null || text is not null || hugeBody > 0)
        {
            var bodyText = text ?? json?.ToJsonString(BodyJson) ?? "";
            if (hugeBody > 0)
            {
                bodyText = json is JsonObject ? bodyText[..^1] + ",\"padding\":\"" + new string('p', hugeBody) + "\"}" : bodyText + new string(' ', hugeBody);
            }

            var utf8 = Splice(Encoding.UTF8.GetBytes(bodyText));
            request.Body = encoding is UTF8Encoding { } utf8Encoding && utf8Encoding.GetPreamble().Length == 0
                ? utf8
                : [.. encoding.GetPreamble(), .. encoding.GetBytes(Encoding.UTF8.GetString(utf8))];
            request.ContentType ??= json is not null && !mutations.Contains(Mutation.NoContentType) ? "application/json" : null;
        }

        return request;
    }

    /// <summary>The mutations that change something in this request as it stands.</summary>
    private static Mutation[] Applicable(JsonNode? json, string? text, List<(string Name, string Value)> headers, Dictionary<string, string> pathValues, List<(string Name, string Value)> query)
    {
        var applicable = new List<Mutation>
        {
            Mutation.BoundaryNumber, Mutation.DeepNesting, Mutation.HugeBody, Mutation.MissingHeader, Mutation.DuplicateHeader, Mutation.HostileHeader,
            Mutation.DuplicateCredential, Mutation.HostileQuery, Mutation.UnknownQuery,
        };
        if (json is not null || query.Count > 0)
        {
            applicable.Add(Mutation.ControlCharacter);
        }

        if (json is not null)
        {
            applicable.AddRange([Mutation.WrongType, Mutation.RemoveField, Mutation.NullField, Mutation.LongString, Mutation.InvalidUtf8, Mutation.BrokenJson]);
            if (json is JsonObject { Count: > 0 })
            {
                applicable.AddRange([Mutation.UnknownField, Mutation.DuplicateProperty]);
            }
        }

        if (text is not null)
        {
            applicable.AddRange([Mutation.LongString, Mutation.InvalidUtf8]);
        }

        applicable.AddRange(json is not null || text is not null
            ? [Mutation.OtherEncoding, Mutation.WrongContentType, Mutation.NoContentType]
            : [Mutation.UnexpectedBody]);
        if (pathValues.Count > 0)
        {
            applicable.Add(Mutation.HostilePath);
        }

        if (query.Count > 0)
        {
            applicable.Add(Mutation.DuplicateQuery);
        }

        return [.. applicable];
    }

    private T Draw<T>(Gen<T> gen) => gen.Generate(random, null!, out _);

    private bool Chance(int percent) => Draw(Gen.Int[0, 99]) < percent;

    private static string Target(string template, Dictionary<string, string> pathValues, List<(string Name, string Value)> query, bool escapePath)
    {
        var path = template;
        foreach (var (name, value) in pathValues)
        {
            path = path.Replace("{" + name + "}", escapePath ? Escape(value) : value.Replace("?", "%3F", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        return query.Count == 0 ? path : path + "?" + string.Join('&', query.Select(pair => $"{Escape(pair.Name)}={Escape(pair.Value)}"));
    }

    private static string Escape(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            return Uri.EscapeDataString(value.Normalize().Replace("\uD800", "", StringComparison.Ordinal));
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    // ---- values from the schema -------------------------------------------------------------------------------

    private Gen<JsonNode?> Value(IOpenApiSchema? schema, string name, int depth)
    {
        schema = schema?.AllOf?.FirstOrDefault() ?? schema?.OneOf?.FirstOrDefault() ?? schema?.AnyOf?.FirstOrDefault() ?? schema;
        if (schema?.Enum is { Count: > 0 } values)
        {
            return Gen.OneOf(values.Select(value => value?.DeepClone()).ToArray());
        }

        var type = (schema?.Type ?? (schema?.Properties?.Count > 0 ? JsonSchemaType.Object : JsonSchemaType.String)) & ~JsonSchemaType.Null;
        if (type.HasFlag(JsonSchemaType.Object) && depth < 6)
        {
            return ObjectValue(schema, depth);
        }

        if (type.HasFlag(JsonSchemaType.Array) && depth < 6)
        {
            var items = Value(schema?.Items, name == "diagnosisCodes" ? "diagnosisCode" : "item", depth + 1);
            return Gen.Int[0, 3].Select(count => (JsonNode?)new JsonArray([.. Enumerable.Range(0, count).Select(_ => Draw(items))]));
        }

        if (type.HasFlag(JsonSchemaType.Boolean))
        {
            return Gen.Bool.Select(value => (JsonNode?)JsonValue.Create(value));
        }

        if (type.HasFlag(JsonSchemaType.Integer))
        {
            return IntegerFor(name).Select(value => (JsonNode?)JsonValue.Create(value));
        }

        if (type.HasFlag(JsonSchemaType.Number))
        {
            return DecimalFor(name).Select(value => (JsonNode?)JsonValue.Create(value));
        }

        return StringFor(name, schema?.Format).Select(value => (JsonNode?)JsonValue.Create(value));
    }

    private Gen<JsonNode?> ObjectValue(IOpenApiSchema? schema, int depth) =>
        Gen.Const(() =>
        {
            var result = new JsonObject();
            foreach (var (name, property) in schema?.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                if (schema!.Required?.Contains(name) == true || Chance(60))
                {
                    result[name] = Draw(Value(property, name, depth + 1));
                }
            }

            return (JsonNode?)result;
        });

    private JsonNode? ValueFor(IOpenApiSchema? schema, string name, FuzzOperation operation)
    {
        if (name == "code" && operation.Id is "DeactivateHospital" or "RotateHospitalKey")
        {
            // The demo hospitals' keys must keep working for the rest of the run.
            return JsonValue.Create(world.ExpendableHospitalCodes.Count > 0 && Chance(70)
                ? Draw(Gen.OneOf([.. world.ExpendableHospitalCodes]))
                : "FZX" + Draw(Gen.Int[0, 999]));
        }

        if (name == "code" && operation.Id == "GetPolicy")
        {
            return JsonValue.Create(Draw(Gen.OneOf("demo", "DEMO", "fz-policy", "")));
        }

        return Draw(Value(schema, name, 0));
    }

    private Gen<long> IntegerFor(string name) => name switch
    {
        "year" => Gen.Frequency((6, Gen.OneOf(2025L, 2026L)), (2, Gen.OneOf(2024L, 2027L, 2100L)), (1, Gen.OneOf(0L, 1999L, 2101L, -2026L))),
        "pageNumber" => Gen.Frequency((5, Gen.Long[1, 3]), (1, Gen.OneOf(0L, -1L, 1_000_000L))),
        "pageSize" => Gen.Frequency((5, Gen.OneOf(1L, 20L, 100L, 200L)), (1, Gen.OneOf(0L, 201L, 100_000L))),
        "id" => Gen.Frequency((6, Gen.Const(() => world.BeneficiaryIds.Count == 0 ? 1L : long.Parse(world.BeneficiaryIds[Draw(Gen.Int[0, world.BeneficiaryIds.Count - 1])], CultureInfo.InvariantCulture))), (1, Gen.Long[-5, 100_000])),
        _ => Gen.Frequency((4, Gen.Long[0, 50]), (1, Gen.Long[-5, 100_000])),
    };

    private static Gen<decimal> DecimalFor(string name) => name switch
    {
        "ratio" or "primary" or "secondary" or "tertiary" => Gen.Int[-20, 120].Select(percent => percent / 100m),
        "amount" => Gen.Frequency((5, Gen.Long[1, 10_000_000]), (1, Gen.Long[-100, 0])).Select(fen => fen / 100m),
        _ => Gen.Frequency((3, Gen.Long[0, 500_000]), (3, Gen.Long[0, 10_000_000]), (1, Gen.Const(0L))).Select(fen => fen / 100m),
    };

    private Gen<string> StringFor(string name, string? format) => (format, name) switch
    {
        ("date", _) or (_, "date" or "from" or "to" or "effectiveFrom" or "effectiveTo") => Dates,
        ("date-time", _) => Gen.OneOf("2026-11-28T10:00:00+08:00", "2026-11-01T00:00:00Z", "2026-12-31T23:59:59Z", "2025-01-01T00:00:00+08:00"),
        ("uuid", _) or (_, "settlementId" or "statementId" or "reversalId") => Gen.Frequency(
            (5, Gen.Const(() => world.Guids.Count == 0 ? Guid.NewGuid().ToString() : world.Guids[Draw(Gen.Int[0, world.Guids.Count - 1])])),
            (1, Gen.Const(() => Guid.NewGuid().ToString()))),
        (_, "idNumber") => Gen.Frequency((6, Gen.OneOf(DemoPeople.Select(person => person.Code).ToArray())), (3, Gen.Const(FreshIdNumber)), (1, Gen.String[Gen.Char["0123456789Xx"], 17, 19])),
        (_, "name") => Gen.Frequency((5, Gen.OneOf(DemoPeople.Select(person => person.Name).ToArray())), (2, Gen.String[Gen.Char['\u4e00', '\u4fff'], 2, 4])),
        (_, "visitNumber") => Gen.Frequency(
            (4, Gen.Const(() => world.VisitNumbers.Count == 0 ? "FZ-0" : world.VisitNumbers[Draw(Gen.Int[0, world.VisitNumbers.Count - 1])])),
            (4, Gen.Const(() => $"FZ-{Draw(Gen.Int[0, 99_999_999]):D8}"))),
        (_, "code") => Gen.Frequency((4, Gen.Const(() => world.HospitalCodes[Draw(Gen.Int[0, world.HospitalCodes.Count - 1])])), (2, Gen.Const(() => $"FZ{++fresh:D4}"))),
        (_, "category") => Gen.Frequency((6, Gen.OneOf(Categories)), (1, Gen.OneOf("unknown-category", "MINIMUM-LIVING"))),
        (_, "divisionCode" or "division") => Gen.OneOf("140109", "110101", "1401", "99999X"),
        (_, "reason") => Gen.OneOf("患者信息录入错误", "重复结算", "2027年度财政拨款", "fuzz"),
        (_, "originalIdempotencyKey" or "Idempotency-Key") => KeyValue,
        (_, "month") => Gen.OneOf("2026-10", "2026-09", "2026-11", "2026-12", "2025-12", "2026-13", "26-10"),
        (_, "channel") => Gen.Frequency((6, Gen.OneOf(ChannelNames)), (1, Gen.OneOf("Inpatient", "all"))),
        (_, "level") => Gen.OneOf("primary", "secondary", "tertiary"),
        (_, "callbackBaseUrl") => Gen.OneOf("http://127.0.0.1:9/callbacks", "https://his.example.cn/medicalaid", "not a url", "ftp://127.0.0.1/x", "javascript:alert(1)"),
        (_, "status") => Gen.OneOf("settled", "reversed", "active", "inactive", "issued", "paid"),
        (_, "visitType") => Gen.OneOf("inpatient", "outpatient", "emergency"),
        (_, "sort") => Gen.OneOf("settledAt", "serviceDate", "fundsSettled", "patientPays", "id"),
        (_, "order") => Gen.OneOf("asc", "desc", "sideways"),
        (_, "lang") => Gen.OneOf("zh", "en", "fr"),
        (_, "mode") => Gen.OneOf("all-or-nothing", "valid-rows", "some"),
        (_, "hospital") => Gen.OneOf("H001", "H002", "H003", "H999"),
        (_, "entityType") => Gen.OneOf("beneficiary", "hospital", "policy", "fund", "settlement"),
        (_, "action") => Gen.OneOf("fund.topped-up", "beneficiary.created", "hospital.registered"),
        (_, "diagnosisCode") => Gen.OneOf("J18.9", "E11.9", "I10", "j18.9", "X"),
        _ => Gen.String[Gen.Char.AlphaNumeric, 1, 12],
    };

    private static readonly Gen<string> Dates = Gen.Frequency(
        (6, Gen.Int[0, 700].Select(days => Today.AddDays(-days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("2026-11-30", "2027-01-01", "2023-12-31", "2026-02-30", "2026-11-29T00:00:00", "29/11/2026", "0001-01-01", "9999-12-31")));

    private Gen<string> KeyValue => Gen.Frequency(
        (4, Gen.Const(() => world.IdempotencyKeys.Count == 0 ? "fz-key" : world.IdempotencyKeys[Draw(Gen.Int[0, world.IdempotencyKeys.Count - 1])])),
        (4, Gen.Const(() => "fz-" + Guid.NewGuid().ToString())));

    private string FreshIdNumber()
    {
        var birth = new DateOnly(1945, 1, 1).AddDays(Draw(Gen.Int[0, 23_000]));
        var first17 = $"110101{birth:yyyyMMdd}{Draw(Gen.Int[0, 999]):D3}";
        return first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
    }

    private Gen<JsonNode?> WrongTypeValue => Gen.Frequency(
        (2, Gen.OneOf<JsonNode?>(null, JsonValue.Create(true), JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(12.345m), JsonValue.Create(""))),
        (2, Gen.Const(() => (JsonNode?)JsonValue.Create(Draw(Gen.OneOf(Hostile))))),
        (1, Gen.Const(() => (JsonNode?)new JsonArray(JsonValue.Create(1), JsonValue.Create("a"), null))),
        (1, Gen.Const(() => (JsonNode?)new JsonObject { ["nested"] = new JsonObject { ["deeper"] = JsonValue.Create("x") } })),
        (1, Gen.OneOf<JsonNode?>(JsonValue.Create("12.50"), JsonValue.Create("NaN"), JsonValue.Create("2026-11-28"), JsonValue.Create("inpatient"))));

    private static readonly byte[][] InvalidUtf8Strings =
    [
        [(byte)'"', (byte)'a', 0xC3, 0x28, (byte)'"'],
        [(byte)'"', 0xFF, 0xFE, 0xFD, (byte)'"'],
        [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
        [(byte)'"', 0xC0, 0xAF, (byte)'"'],
        [(byte)'"', 0xF4, 0x90, 0x80, 0x80, (byte)'"'],
        [(byte)'"', 0xE6, 0x9D, (byte)'"'],
        [(byte)'"', 0x01, 0x1F, (byte)'"'],
        "\"\\ud800\""u8.ToArray(),
        "\"\\udc00abc\\ud83d\""u8.ToArray(),
        "\"a\\u0000b\""u8.ToArray(),
        "\"\\x41\""u8.ToArray(),
    ];

    private static Gen<string> BrokenJson(string json) => Gen.Frequency(
        (3, Gen.Int[0, Math.Max(0, json.Length - 1)].Select(cut => json[..cut])),
        (1, Gen.OneOf(
            json + "garbage", json + json, "/* comment */" + json, json.Replace('"', '\''), json.Replace(":", "=", StringComparison.Ordinal),
            "", "null", "[]", "\"text\"", "0", "{", "}", "{\"a\":1,}", "[1,2,]", "{\"a\" 1}", "NaN", "{\"a\":NaN}", "{\"a\":undefined}")));

    // ---- bodies a real caller would send ------------------------------------------------------------------------

    private JsonNode? Template(FuzzOperation operation)
    {
        if (!Chance(65))
        {
            return null;
        }

        switch (operation.Id)
        {
            case "Settle" or "PreviewSettlement":
                var person = Draw(Gen.OneOf(DemoPeople));
                var inpatient = Chance(50);
                var serviceDate = Today.AddDays(-Draw(Gen.Int[0, 600]));
                var totalFen = Draw(Gen.Long[0, 12_000_000]);
                var scopeFen = totalFen * Draw(Gen.Int[0, 100]) / 100;
                var basicFen = scopeFen * Draw(Gen.Int[0, 100]) / 100;
                var request = new JsonObject
                {
                    ["visitNumber"] = Draw(StringFor("visitNumber", null)),
                    ["visitType"] = inpatient ? "inpatient" : "outpatient",
                    ["patient"] = new JsonObject { ["idNumber"] = person.Code, ["name"] = person.Name },
                    ["diagnosisCodes"] = new JsonArray(inpatient ? "J18.9" : "E11.9"),
                    ["amounts"] = new JsonObject { ["total"] = totalFen / 100m, ["policyScope"] = scopeFen / 100m, ["basicInsurancePaid"] = basicFen / 100m },
                };
                if (inpatient)
                {
                    request["admissionDate"] = Iso(serviceDate.AddDays(-Draw(Gen.Int[0, 30])));
                    request["dischargeDate"] = Iso(serviceDate);
                }
                else
                {
                    request["visitDate"] = Iso(serviceDate);
                }

                return request;
            case "CreatePolicy" when validPolicy is not null:
                var policy = validPolicy.DeepClone();
                policy["code"] = $"fz-{++fresh}";
                policy["effectiveFrom"] = Iso(Draw(Gen.OneOf(new DateOnly(2027, 1, 1), new DateOnly(2027, 6, 1), Today, new DateOnly(2026, 12, 1))));
                return policy;
            case "CreateBeneficiary":
                return new JsonObject
                {
                    ["idNumber"] = FreshIdNumber(),
                    ["name"] = Draw(StringFor("name", null)),
                    ["category"] = Draw(Gen.OneOf(Categories)),
                    ["effectiveFrom"] = "2024-01-01",
                    ["active"] = true,
                    ["divisionCode"] = "110101",
                };
            case "RegisterHospital":
                return new JsonObject { ["code"] = $"FZ{++fresh:D4}", ["name"] = "模糊测试医院", ["level"] = Draw(Gen.OneOf("primary", "secondary", "tertiary")) };
            default:
                return null;
        }
    }

    private string Csv()
    {
        var rows = new StringBuilder(Chance(85) ? "idNumber,name,category,effectiveFrom,active,divisionCode\n" : "id,name\n");
        var count = Draw(Gen.Int[0, 6]);
        for (var row = 0; row < count; row++)
        {
            rows.Append(CultureInfo.InvariantCulture, $"{(Chance(70) ? FreshIdNumber() : Draw(Gen.OneOf(Hostile)))},{Draw(StringFor("name", null))},{Draw(Gen.OneOf(Categories))},{Draw(Dates)},{Draw(Gen.OneOf("true", "false", "", "maybe"))},110101\n");
        }

        if (Chance(15))
        {
            rows.Append("\"unterminated,quote\n");
        }

        return rows.ToString();
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // ---- mutating a JSON tree -----------------------------------------------------------------------------------

    /// <summary>Every node of the tree with how to replace it, the root included.</summary>
    private static List<(JsonNode? Parent, string? Property, int Index)> Positions(JsonNode? root)
    {
        var positions = new List<(JsonNode?, string?, int)> { (null, null, -1) };
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj.ToList())
                    {
                        positions.Add((obj, name, -1));
                        Walk(child);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        positions.Add((array, null, i));
                        Walk(array[i]);
                    }

                    break;
            }
        }

        Walk(root);
        return positions;
    }

    private static JsonNode? Node(JsonNode? root, (JsonNode? Parent, string? Property, int Index) position) => position.Parent switch
    {
        JsonObject obj => obj[position.Property!],
        JsonArray array => array[position.Index],
        _ => root,
    };

    private void Replace(ref JsonNode? root, JsonNode? replacement)
    {
        var positions = Positions(root);
        var (parent, property, index) = positions[Draw(Gen.Int[positions.Count > 1 ? 1 : 0, positions.Count - 1])];
        switch (parent)
        {
            case JsonObject obj:
                obj[property!] = replacement;
                break;
            case JsonArray array:
                array[index] = replacement;
                break;
            default:
                root = replacement;
                break;
        }
    }

    private void Remove(JsonNode root)
    {
        var removable = Positions(root).Where(position => position.Parent is not null).ToList();
        if (removable.Count == 0)
        {
            return;
        }

        var (parent, property, index) = removable[Draw(Gen.Int[0, removable.Count - 1])];
        if (parent is JsonObject obj)
        {
            obj.Remove(property!);
        }
        else if (parent is JsonArray array)
        {
            array.RemoveAt(index);
        }
    }

    /// <summary>A placeholder string that <see cref="Splice"/> replaces, quotes included, with raw JSON text.</summary>
    private JsonValue Raw(string json) => RawBytes(Encoding.UTF8.GetBytes(json));

    private JsonValue RawBytes(byte[] bytes)
    {
        var marker = $"{MarkerPrefix}{raw.Count}@@";
        raw[marker] = bytes;
        return JsonValue.Create(marker);
    }

    private byte[] Splice(byte[] body)
    {
        foreach (var (marker, bytes) in raw)
        {
            foreach (var form in new[] { "\"" + marker + "\"", marker })
            {
                var needle = Encoding.UTF8.GetBytes(form);
                var at = body.AsSpan().IndexOf(needle);
                if (at >= 0)
                {
                    body = [.. body.AsSpan(0, at), .. bytes, .. body.AsSpan(at + needle.Length)];
                    break;
                }
            }
        }

        // A duplicated property was put in as a member named "@@dup" whose value is the raw text of both copies.
        var duplicate = Encoding.UTF8.GetBytes("\"@@dup\":");
        var found = body.AsSpan().IndexOf(duplicate);
        return found < 0 ? body : [.. body.AsSpan(0, found), .. body.AsSpan(found + duplicate.Length)];
    }
}
