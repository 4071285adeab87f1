using System.Security.Claims;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Reports;

/// <summary>The summary report and the exports (CSV and XLSX) of settlement searches and reports, for civil-affairs staff.</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/admin")
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Reports");

        group.MapGet("/reports/summary", Summary)
            .WithName("GetSummaryReport")
            .WithSummary("Totals by channel, hospital, category and month, settlements and distinct persons, for service dates from–to (inclusive); reversals netted out.");
        group.MapGet("/exports/settlements.csv", ExportSettlementsCsv)
            .Produces(StatusCodes.Status200OK, contentType: ExportTables.CsvContentType)
            .WithName("ExportSettlementsCsv")
            .WithSummary("The settlement search as CSV (same filters), streamed; lang=zh|en for the headers; ID numbers masked.");
        group.MapGet("/exports/settlements.xlsx", ExportSettlementsXlsx)
            .Produces(StatusCodes.Status200OK, contentType: ExportTables.XlsxContentType)
            .WithName("ExportSettlementsXlsx")
            .WithSummary("The settlement search as an XLSX workbook (same filters); lang=zh|en for the headers; ID numbers masked.");
        group.MapGet("/exports/summary.csv", ExportSummaryCsv)
            .Produces(StatusCodes.Status200OK, contentType: ExportTables.CsvContentType)
            .WithName("ExportSummaryCsv")
            .WithSummary("The summary report as CSV: the total, then each hospital, category and month.");
        group.MapGet("/exports/summary.xlsx", ExportSummaryXlsx)
            .Produces(StatusCodes.Status200OK, contentType: ExportTables.XlsxContentType)
            .WithName("ExportSummaryXlsx")
            .WithSummary("The summary report as an XLSX workbook: the total, then each hospital, category and month.");
        return routes;
    }

    public static async Task<Results<Ok<SummaryReport>, ValidationProblem>> Summary(
        DateOnly? from, DateOnly? to, ClaimsPrincipal user, SummaryReportService reports, CancellationToken cancellationToken)
    {
        var errors = SummaryReportService.Problems(from, to);
        if (errors.Count > 0 || from is not { } start || to is not { } end)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        return TypedResults.Ok(await reports.BuildAsync(start, end, user, cancellationToken));
    }

    public static Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSettlementsCsv(
        [AsParameters] SettlementSearchQuery query, string? lang, ClaimsPrincipal user, SettlementQueries settlements, CancellationToken cancellationToken) =>
        ExportSettlements(query, lang, user, settlements, "settlements.csv", ExportTables.CsvContentType,
            (body, headers, rows, token) => ExportTables.WriteCsvAsync(body, headers, rows, token), cancellationToken);

    public static Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSettlementsXlsx(
        [AsParameters] SettlementSearchQuery query, string? lang, ClaimsPrincipal user, SettlementQueries settlements, CancellationToken cancellationToken) =>
        ExportSettlements(query, lang, user, settlements, "settlements.xlsx", ExportTables.XlsxContentType,
            (body, headers, rows, token) => ExportTables.WriteXlsxAsync(body, "settlements", headers, rows, token), cancellationToken);

    public static Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSummaryCsv(
        DateOnly? from, DateOnly? to, string? lang, ClaimsPrincipal user, SummaryReportService reports, CancellationToken cancellationToken) =>
        ExportSummary(from, to, lang, user, reports, "summary.csv", ExportTables.CsvContentType,
            (body, headers, rows, token) => ExportTables.WriteCsvAsync(body, headers, rows, token), cancellationToken);

    public static Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSummaryXlsx(
        DateOnly? from, DateOnly? to, string? lang, ClaimsPrincipal user, SummaryReportService reports, CancellationToken cancellationToken) =>
        ExportSummary(from, to, lang, user, reports, "summary.xlsx", ExportTables.XlsxContentType,
            (body, headers, rows, token) => ExportTables.WriteXlsxAsync(body, "summary", headers, rows, token), cancellationToken);

    private delegate Task TableWriter(Stream body, IReadOnlyList<string> headers, IAsyncEnumerable<object[]> rows, CancellationToken cancellationToken);

    private static async Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSettlements(
        SettlementSearchQuery query, string? lang, ClaimsPrincipal user, SettlementQueries settlements, string fileName, string contentType,
        TableWriter write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = query.Problems();
        if (!ExportTables.TryParseLanguage(lang, out var language))
        {
            errors["lang"] = ["Use zh or en."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        // The rows are read one at a time as they are written: a large export never sits in memory.
        var rows = (await settlements.FilteredAsync(query, user, cancellationToken)).Select(ListRow.Projection).AsAsyncEnumerable();
        return TypedResults.Stream(
            async body => await write(body, ExportTables.SettlementHeaders(language),
                ExportTables.Rows(rows, row => ExportTables.SettlementCells(row, language)), cancellationToken),
            contentType,
            fileName);
    }

    private static async Task<Results<PushStreamHttpResult, ValidationProblem>> ExportSummary(
        DateOnly? from, DateOnly? to, string? lang, ClaimsPrincipal user, SummaryReportService reports, string fileName, string contentType,
        TableWriter write, CancellationToken cancellationToken)
    {
        var errors = SummaryReportService.Problems(from, to);
        if (!ExportTables.TryParseLanguage(lang, out var language))
        {
            errors["lang"] = ["Use zh or en."];
        }

        if (errors.Count > 0 || from is not { } start || to is not { } end)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var report = await reports.BuildAsync(start, end, user, cancellationToken);
        return TypedResults.Stream(
            body => write(body, ExportTables.SummaryHeaders(language), ExportTables.Rows(ExportTables.SummaryCells(report, language)), cancellationToken),
            contentType,
            fileName);
    }
}
