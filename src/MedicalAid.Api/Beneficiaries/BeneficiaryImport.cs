using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Beneficiaries;

public static class BeneficiaryImportEndpoint
{
    /// <summary>The largest CSV file accepted: far above 1,000,000 rows, far below what would fill a disk.</summary>
    public const long MaxFileBytes = 200L * 1024 * 1024;

    public const string Header = "idNumber,name,category,effectiveFrom,active,divisionCode,unitCode";

    internal static RouteGroupBuilder MapBeneficiaryImport(this RouteGroupBuilder group)
    {
        group.MapPost("/import", Import)
            .RequireAuthorization(StaffAccess.OperatePolicy)
            .Accepts<string>("text/csv")
            .WithMetadata(new RequestSizeLimitAttribute(MaxFileBytes))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithName("ImportBeneficiaries")
            .WithSummary("Register beneficiaries from a UTF-8 CSV file (operator, admin).")
            .WithDescription(
                $"""
                The body is `text/csv`, UTF-8, up to 200 MiB, with the header row `{Header}` (`active`, `divisionCode` and `unitCode`
                may be left out; `active` is true/false, default true; `divisionCode` defaults to the first six digits of the ID number;
                `unitCode` is the unit the person belongs to, inside your scope, and defaults to the district unit of the division code;
                `effectiveFrom` is yyyy-MM-dd). `mode=all-or-nothing` (the default) imports nothing if any row is bad;
                `mode=valid-rows` imports the good rows. Either way every bad row is reported with its line and reason
                (the first 1,000 listed, the rest counted). A file whose header or structure cannot be read is a 400.
                """);
        return group;
    }

    public static async Task<Results<Ok<BeneficiaryImportReport>, ValidationProblem, ConflictProblem>> Import(
        string? mode, HttpRequest request, ClaimsPrincipal user, BeneficiaryImporter importer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        BeneficiaryImportMode? importMode = mode switch
        {
            null or "" or "all-or-nothing" => BeneficiaryImportMode.AllOrNothing,
            "valid-rows" => BeneficiaryImportMode.ValidRows,
            _ => null,
        };
        if (importMode is null)
        {
            return BeneficiaryAdminEndpoints.Validation(Problems.Validation("mode", "Use all-or-nothing or valid-rows."));
        }

        // The upload is spooled (to a temporary file past 64 KiB) before the import starts, so that a slow client
        // never holds the import's transaction, and with SQLite the database's single write lock, open. The size
        // limit is the server's (RequestBodyLimitMiddleware), which answers 413 rather than an I/O error.
        request.EnableBuffering(bufferThreshold: 64 * 1024);
        await request.Body.DrainAsync(cancellationToken);
        request.Body.Position = 0;

        var outcome = await importer.ImportAsync(request.Body, importMode.Value, user, cancellationToken);
        return outcome.Problem switch
        {
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => BeneficiaryAdminEndpoints.Validation(validation),
            var conflict => new ConflictProblem(conflict),
        };
    }
}

/// <summary>
/// Imports a beneficiary CSV in one transaction, streaming: rows are read, checked and inserted a batch at a time,
/// and only the ID numbers seen so far (for duplicates within the file) and the first errors are kept.
/// </summary>
public sealed partial class BeneficiaryImporter(
    MedicalAidDbContext db,
    WriteGate writeGate,
    AuditTrail audit,
    ServiceCalendar calendar,
    DataScopes scopes,
    ILogger<BeneficiaryImporter> logger)
{
    public const int BatchSize = 1_000;
    public const int MaxListedErrors = 1_000;

    /// <summary>Up to this many people, an import's audit entry lists each by masked ID number.</summary>
    public const int MaxAuditedIdNumbers = 1_000;

    /// <summary>A record longer than this is not a beneficiary row but a broken file (an unclosed quote, say).</summary>
    private const int MaxRecordBytes = 16 * 1024;

    public async Task<Outcome<BeneficiaryImportReport>> ImportAsync(
        Stream csv, BeneficiaryImportMode mode, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        // The audit entry of a large import names the file by its hash; the upload is buffered, so it can be read twice.
        string? fileSha256 = null;
        if (csv.CanSeek)
        {
            fileSha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(csv, cancellationToken));
            csv.Position = 0;
        }

        var today = calendar.Today();
        var categories = (await db.Categories.AsNoTracking().Select(category => category.Code).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var scope = await scopes.ForAsync(user, cancellationToken);
        var units = await BeneficiaryUnits.LoadAsync(db, scope, null, cancellationToken);
        var run = new ImportRun(mode);
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrimWhitespace = true,
            AllowLineBreaksInQuotes = false,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            MaxRecordSize = MaxRecordBytes,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = run.AddMalformed,
        };
        await using var reader = CsvReader.Create(csv, options, leaveOpen: true);

        Columns columns;
        try
        {
            await reader.ReadHeaderAsync(cancellationToken);
            var (found, headerProblem) = Columns.Find(reader.Headers);
            if (headerProblem is not null)
            {
                return Problems.Validation("header", headerProblem);
            }

            columns = found!;
        }
        catch (CsvFormatException)
        {
            return Problems.Validation("header", $"The header row cannot be read. Expected: {BeneficiaryImportEndpoint.Header}");
        }

        using var gate = db.Database.IsSqlite() ? await writeGate.EnterAsync(cancellationToken) : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                run.Add(ReadRow(reader, columns, categories, units, today, run));
                if (run.Pending.Count >= BatchSize)
                {
                    await FlushAsync(run, scope, cancellationToken);
                }
            }

            await FlushAsync(run, scope, cancellationToken);
            var report = run.Report();
            if (report.Committed)
            {
                // What was registered, not only how much: each person by masked ID number, or for a large file the
                // file itself (its SHA-256) and the lines of it that were imported.
                audit.Record(user, "beneficiary.imported", BeneficiaryAdminEndpoints.AuditEntityType, "import", null,
                    new
                    {
                        report.Mode,
                        report.RowsRead,
                        report.Imported,
                        report.Rejected,
                        FileSha256 = fileSha256,
                        ImportedLines = run.ImportedLineRanges(),
                        IdNumbersMasked = run.ImportedMasked,
                    });
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                await transaction.RollbackAsync(cancellationToken);
            }

            LogImported(logger, report.Mode, report.RowsRead, report.Imported, report.Rejected, report.Committed);
            return Outcome.Success(report, StatusCodes.Status200OK);
        }
        catch (CsvFormatException exception)
        {
            var line = exception.LineNumber > 0 ? exception.LineNumber : reader.LineNumber;
            return Problems.Validation("file",
                $"Line {line.ToString(CultureInfo.InvariantCulture)} cannot be read: a record over {MaxRecordBytes / 1024} KiB, or broken quoting. Nothing was imported.");
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate,
                "A beneficiary in the file was registered by another request during the import.",
                "Nothing was imported. Import the file again: that row will then be reported as already registered.");
        }
        catch (Exception exception) when (DatabaseErrors.IsTransient(exception))
        {
            // The file cannot be read again to retry: the caller retries the request (503).
            throw new DatabaseBusyException(exception);
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = true;
        }
    }

    private static ImportRow ReadRow(CsvReader reader, Columns columns, HashSet<string> categories, BeneficiaryUnits units, DateOnly today, ImportRun run)
    {
        var row = new ImportRow(reader.LineNumber);

        var idText = BeneficiaryRules.NormalizeIdNumber(reader.GetString(columns.IdNumber));
        row.IdNumber = idText;
        ResidentIdNumber? idNumber = null;
        if (idText.Length == 0)
        {
            row.Reject("idNumber: missing.");
        }
        else if (ResidentIdNumber.Check(idText, today) is var idProblem && idProblem != ResidentIdProblem.None)
        {
            row.Reject($"idNumber: {ResidentIdNumber.Describe(idProblem)}");
        }
        else
        {
            ResidentIdNumber.TryParse(idText, today, out idNumber);
            if (run.FirstLineOf(idNumber!, row.Line) is { } firstLine)
            {
                row.Reject($"idNumber: duplicate in the file (first on line {firstLine.ToString(CultureInfo.InvariantCulture)}).");
            }
        }

        var name = reader.GetString(columns.Name).Trim();
        row.Name = TextRules.Clean(name) ?? name;
        if (BeneficiaryRules.NameProblem(row.Name) is { } nameProblem)
        {
            row.Reject(row.Name.Length == 0 ? "name: missing." : $"name: {nameProblem}");
        }

        row.Category = reader.GetString(columns.Category);
        if (row.Category.Length == 0)
        {
            row.Reject("category: missing.");
        }
        else if (!categories.Contains(row.Category))
        {
            row.Reject("category: unknown category.");
        }

        var effectiveFrom = reader.GetString(columns.EffectiveFrom);
        if (effectiveFrom.Length == 0)
        {
            row.Reject("effectiveFrom: missing.");
        }
        else if (!DateOnly.TryParseExact(effectiveFrom, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            row.Reject("effectiveFrom: not a date (use yyyy-MM-dd).");
        }
        else
        {
            row.EffectiveFrom = date;
            if (idNumber is not null && BeneficiaryRules.EffectiveFromProblem(date, idNumber) is { } dateProblem)
            {
                row.Reject($"effectiveFrom: {dateProblem}");
            }
        }

        var active = columns.Active is { } activeColumn ? reader.GetString(activeColumn) : "";
        switch (active.ToUpperInvariant())
        {
            case "" or "TRUE" or "1" or "YES":
                row.Active = true;
                break;
            case "FALSE" or "0" or "NO":
                row.Active = false;
                break;
            default:
                row.Reject("active: use true or false.");
                break;
        }

        var divisionCode = columns.DivisionCode is { } divisionColumn ? reader.GetString(divisionColumn) : "";
        row.DivisionCode = divisionCode.Length > 0 ? divisionCode : idNumber?.DivisionCode ?? "";
        if (divisionCode.Length > 0 && BeneficiaryRules.DivisionCodeProblem(divisionCode) is { } divisionProblem)
        {
            row.Reject($"divisionCode: {divisionProblem}");
        }

        var unitCode = columns.UnitCode is { } unitColumn ? reader.GetString(unitColumn) : "";
        var (unitId, unitProblem) = units.Choose(unitCode, row.DivisionCode);
        if (unitProblem is not null)
        {
            row.Reject($"unitCode: {unitProblem}");
        }

        row.UnitId = unitId ?? 0;

        return row;
    }

    /// <summary>Checks the batch against the registry with one query, reports its bad rows, and inserts its good ones unless the import is already lost.</summary>
    private async Task FlushAsync(ImportRun run, DataScope scope, CancellationToken cancellationToken)
    {
        var candidates = run.Pending.Where(row => row.Reasons is null).Select(row => row.IdNumber).ToArray();
        if (candidates.Length > 0)
        {
            var registered = await db.Beneficiaries.AsNoTracking()
                .Where(beneficiary => candidates.Contains(beneficiary.IdNumber))
                .Select(beneficiary => new { beneficiary.IdNumber, beneficiary.Id })
                .ToDictionaryAsync(beneficiary => beneficiary.IdNumber, beneficiary => beneficiary.Id, StringComparer.Ordinal, cancellationToken);
            // The registry's own id is named only for people inside the importer's scope.
            var registeredIds = registered.Values.ToArray();
            var visible = registered.Count == 0
                ? []
                : (await scope.Beneficiaries(db).AsNoTracking().Where(beneficiary => registeredIds.Contains(beneficiary.Id)).Select(beneficiary => beneficiary.Id)
                    .ToListAsync(cancellationToken)).ToHashSet();
            foreach (var row in run.Pending.Where(row => row.Reasons is null && registered.ContainsKey(row.IdNumber)))
            {
                var id = registered[row.IdNumber];
                row.Reject(visible.Contains(id)
                    ? $"idNumber: already registered (beneficiary {id.ToString(CultureInfo.InvariantCulture)})."
                    : "idNumber: already registered in another unit.");
            }
        }

        run.Pending.Sort((left, right) => left.Line.CompareTo(right.Line));
        foreach (var row in run.Pending.Where(row => row.Reasons is not null))
        {
            run.AddError(row);
        }

        if (run.WillCommit)
        {
            var inserted = 0;
            foreach (var row in run.Pending.Where(row => row.Reasons is null))
            {
                var beneficiary = new Beneficiary { IdNumber = row.IdNumber, Name = row.Name, DivisionCode = row.DivisionCode, UnitId = row.UnitId };
                beneficiary.StatusHistory.Add(new BeneficiaryStatusChange { EffectiveFrom = row.EffectiveFrom, CategoryCode = row.Category, IsActive = row.Active });
                db.Beneficiaries.Add(beneficiary);
                run.RecordImported(row);
                inserted++;
            }

            if (inserted > 0)
            {
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                run.Inserted += inserted;
            }
        }

        run.Pending.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Beneficiary import ({Mode}): {RowsRead} rows read, {Imported} imported, {Rejected} rejected, committed {Committed}")]
    private static partial void LogImported(ILogger logger, BeneficiaryImportMode mode, long rowsRead, long imported, long rejected, bool committed);

    /// <summary>Where the columns are in this file's header; <c>active</c> and <c>divisionCode</c> may be absent.</summary>
    private sealed record Columns(int IdNumber, int Name, int Category, int EffectiveFrom, int? Active, int? DivisionCode, int? UnitCode)
    {
        private static readonly string[] Required = ["idNumber", "name", "category", "effectiveFrom"];
        private static readonly string[] Known = [.. Required, "active", "divisionCode", "unitCode"];

        public static (Columns? Columns, string? Problem) Find(IReadOnlyList<string> header)
        {
            if (header.Count == 0)
            {
                return (null, $"The file is empty; it starts with the header row {BeneficiaryImportEndpoint.Header}.");
            }

            var positions = new Dictionary<string, int>(StringComparer.Ordinal);
            var problems = new List<string>();
            for (var index = 0; index < header.Count; index++)
            {
                var name = header[index].Trim().TrimStart('\uFEFF');
                var known = Known.FirstOrDefault(column => string.Equals(column, name, StringComparison.OrdinalIgnoreCase));
                if (known is null)
                {
                    problems.Add($"column {(index + 1).ToString(CultureInfo.InvariantCulture)} is not one of {string.Join(", ", Known)}");
                }
                else if (!positions.TryAdd(known, index))
                {
                    problems.Add($"column {known} appears more than once");
                }
            }

            problems.AddRange(Required.Where(column => !positions.ContainsKey(column)).Select(column => $"column {column} is missing"));
            if (problems.Count > 0)
            {
                return (null, $"The header row has problems: {string.Join("; ", problems)}. Expected: {BeneficiaryImportEndpoint.Header} (active, divisionCode and unitCode optional).");
            }

            return (new Columns(
                positions["idNumber"], positions["name"], positions["category"], positions["effectiveFrom"],
                positions.TryGetValue("active", out var active) ? active : null,
                positions.TryGetValue("divisionCode", out var division) ? division : null,
                positions.TryGetValue("unitCode", out var unit) ? unit : null), null);
        }
    }

    private sealed class ImportRow(long line)
    {
        public long Line { get; } = line;

        public string IdNumber { get; set; } = "";

        public string Name { get; set; } = "";

        public string Category { get; set; } = "";

        public DateOnly EffectiveFrom { get; set; }

        public bool Active { get; set; }

        public string DivisionCode { get; set; } = "";

        public long UnitId { get; set; }

        /// <summary>What is wrong with the row; null for a good row.</summary>
        public StringBuilder? Reasons { get; private set; }

        public void Reject(string reason)
        {
            if (Reasons is null)
            {
                Reasons = new StringBuilder(reason);
            }
            else
            {
                Reasons.Append("; ").Append(reason);
            }
        }
    }

    private sealed class ImportRun(BeneficiaryImportMode mode)
    {
        /// <summary>The first line of each valid ID number so far, keyed by its 17 digits (the 18th follows from them).</summary>
        private readonly Dictionary<long, long> firstLines = [];
        private readonly List<BeneficiaryImportError> errors = [];
        private readonly List<(long First, long Last)> importedLines = [];
        private long rowsRead;
        private long rejected;

        /// <summary>The rows of the current batch, and malformed records reported while reading it.</summary>
        public List<ImportRow> Pending { get; } = new(BatchSize);

        public long Inserted { get; set; }

        /// <summary>The masked ID numbers imported, while there are at most <see cref="MaxAuditedIdNumbers"/>; null beyond.</summary>
        public List<string>? ImportedMasked { get; private set; } = [];

        public void RecordImported(ImportRow row)
        {
            if (ImportedMasked is not null)
            {
                ImportedMasked.Add(ResidentIdNumber.Mask(row.IdNumber));
                if (ImportedMasked.Count > MaxAuditedIdNumbers)
                {
                    ImportedMasked = null;
                }
            }

            // Rows arrive in line order, so consecutive lines extend the last range.
            if (importedLines.Count > 0 && importedLines[^1].Last == row.Line - 1)
            {
                importedLines[^1] = (importedLines[^1].First, row.Line);
            }
            else
            {
                importedLines.Add((row.Line, row.Line));
            }
        }

        /// <summary>The imported lines as ranges ("2-1001", "1003").</summary>
        public string[] ImportedLineRanges() =>
            importedLines.Select(range => range.First == range.Last
                ? range.First.ToString(CultureInfo.InvariantCulture)
                : $"{range.First.ToString(CultureInfo.InvariantCulture)}-{range.Last.ToString(CultureInfo.InvariantCulture)}").ToArray();

        public bool WillCommit => mode == BeneficiaryImportMode.ValidRows || rejected == 0;

        public void Add(ImportRow row)
        {
            rowsRead++;
            Pending.Add(row);
        }

        public long? FirstLineOf(ResidentIdNumber idNumber, long line)
        {
            var key = long.Parse(idNumber.Value.AsSpan(0, 17), CultureInfo.InvariantCulture);
            return firstLines.TryAdd(key, line) ? null : firstLines[key];
        }

        public void AddMalformed(CsvMalformedRecord record)
        {
            var row = new ImportRow(record.LineNumber);
            row.Reject(record.Reason switch
            {
                CsvMalformedReason.FieldCountMismatch => "the row does not have the header's number of fields (a comma in an unquoted value?).",
                CsvMalformedReason.LineBreakInQuotes or CsvMalformedReason.UnterminatedQuote => "a quoted value is not closed on its line.",
                _ => "broken quoting (a quote inside an unquoted value, or text after a closing quote).",
            });
            Add(row);
        }

        public void AddError(ImportRow row)
        {
            rejected++;
            if (errors.Count < MaxListedErrors)
            {
                errors.Add(new BeneficiaryImportError
                {
                    Line = row.Line,
                    Reason = row.Reasons!.ToString(),
                    IdNumberMasked = row.IdNumber.Length > 0 ? ResidentIdNumber.Mask(row.IdNumber) : null,
                });
            }
        }

        public BeneficiaryImportReport Report() => new()
        {
            Mode = mode,
            RowsRead = rowsRead,
            Imported = WillCommit ? Inserted : 0,
            Rejected = rejected,
            Committed = WillCommit,
            Errors = errors,
            ErrorsNotListed = rejected - errors.Count,
        };
    }
}
