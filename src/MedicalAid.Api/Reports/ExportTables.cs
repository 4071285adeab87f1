using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using MiniExcelLibs;

namespace MedicalAid.Api.Reports;

/// <summary>The languages an export's headers come in.</summary>
public enum ExportLanguage
{
    Chinese,
    English,
}

/// <summary>
/// The columns of the exports and the writers that stream them: CSV straight to the response as rows come from the
/// database, XLSX through a temporary file (the workbook is a zip, written by MiniExcel row by row) then copied out.
/// Money is yuan with two decimals; ID numbers are masked.
/// </summary>
public static class ExportTables
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly (string Zh, string En)[] SettlementColumns =
    [
        ("结算编号", "Settlement ID"),
        ("医院编码", "Hospital"),
        ("就诊号", "Visit number"),
        ("就诊类型", "Visit type"),
        ("身份证号", "ID number"),
        ("姓名", "Name"),
        ("救助类别", "Category"),
        ("服务日期", "Service date"),
        ("状态", "Status"),
        ("医疗总费用", "Total cost"),
        ("资助参保", "Insurance subsidy"),
        ("门诊救助", "Outpatient assistance"),
        ("住院救助", "Inpatient assistance"),
        ("临时救助", "Temporary assistance"),
        ("慈善救助", "Charity"),
        ("基金支付合计", "Funds settled"),
        ("救助合计", "Assistance total"),
        ("个人自付", "Patient pays"),
        ("结算时间", "Settled at"),
    ];

    private static readonly (string Zh, string En)[] SummaryColumns =
    [
        ("维度", "Dimension"),
        ("项目", "Key"),
        ("结算笔数", "Settlements"),
        ("人数", "Persons"),
        ("基金支付合计", "Funds settled"),
        ("资助参保", "Insurance subsidy"),
        ("门诊救助", "Outpatient assistance"),
        ("住院救助", "Inpatient assistance"),
        ("临时救助", "Temporary assistance"),
        ("慈善救助", "Charity"),
        ("撤销笔数", "Reversed"),
    ];

    /// <summary>The headers, in both languages, of the columns that hold yuan.</summary>
    private static readonly HashSet<string> MoneyHeaders = new(
        new[] { "医疗总费用", "资助参保", "门诊救助", "住院救助", "临时救助", "慈善救助", "基金支付合计", "救助合计", "个人自付" }
            .SelectMany(zh => SettlementColumns.Concat(SummaryColumns).Where(column => column.Zh == zh).SelectMany(column => new[] { column.Zh, column.En })),
        StringComparer.Ordinal);

    public static bool TryParseLanguage(string? lang, out ExportLanguage language)
    {
        language = lang == "en" ? ExportLanguage.English : ExportLanguage.Chinese;
        return lang is null or "" or "zh" or "en";
    }

    public static IReadOnlyList<string> SettlementHeaders(ExportLanguage language) => Headers(SettlementColumns, language);

    public static IReadOnlyList<string> SummaryHeaders(ExportLanguage language) => Headers(SummaryColumns, language);

    /// <summary>One settlement as the cells of an export row, in the order of <see cref="SettlementHeaders"/>.</summary>
    public static object[] SettlementCells(ListRow row, ExportLanguage language)
    {
        ArgumentNullException.ThrowIfNull(row);
        var english = language == ExportLanguage.English;
        return
        [
            row.Id.ToString(),
            row.HospitalCode,
            row.VisitNumber,
            row.VisitType == VisitType.Inpatient ? (english ? "inpatient" : "住院") : (english ? "outpatient" : "门诊"),
            ResidentIdNumber.Mask(row.IdNumber),
            row.Name,
            row.Category,
            row.ServiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            row.Status == SettlementState.Reversed ? (english ? "reversed" : "已撤销") : (english ? "settled" : "已结算"),
            Yuan(row.Total),
            Yuan(row.InsuranceSubsidy),
            Yuan(row.Outpatient),
            Yuan(row.Inpatient),
            Yuan(row.Temporary),
            Yuan(row.Charity),
            Yuan(row.FundsSettled),
            Yuan(row.AssistanceTotal),
            Yuan(row.PatientPays),
            row.SettledAt.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>The report as rows: the total first, then each hospital, category and month.</summary>
    public static IEnumerable<object[]> SummaryCells(SummaryReport report, ExportLanguage language)
    {
        ArgumentNullException.ThrowIfNull(report);
        var english = language == ExportLanguage.English;
        yield return
        [
            english ? "total" : "合计",
            $"{report.From:yyyy-MM-dd}~{report.To:yyyy-MM-dd}",
            report.SettlementCount,
            report.PersonCount,
            report.FundsSettled,
            .. report.ByChannel.Select(channel => (object)channel.Amount),
            report.ReversedCount,
        ];
        foreach (var (dimension, groups) in new[]
                 {
                     (english ? "hospital" : "医院", report.ByHospital),
                     (english ? "category" : "类别", report.ByCategory),
                     (english ? "month" : "月份", report.ByMonth),
                 })
        {
            foreach (var group in groups)
            {
                yield return
                [
                    dimension,
                    group.Key,
                    group.SettlementCount,
                    group.PersonCount,
                    group.FundsSettled,
                    .. group.ByChannel.Select(channel => (object)channel.Amount),
                    "",
                ];
            }
        }
    }

    /// <summary>
    /// Writes a header and the rows as CSV (UTF-8 with a byte order mark, so that Excel reads the Chinese); CsvHelper
    /// writes its buffer out whenever it is mostly full, so the client gets the first rows while the rest are read.
    /// Text that a spreadsheet would run as a formula is escaped.
    /// </summary>
    public static async Task WriteCsvAsync(Stream body, IReadOnlyList<string> headers, IAsyncEnumerable<object[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var options = new CsvWriterOptions { WriteByteOrderMark = true, Injection = CsvInjection.Escape };
        await using var csv = CsvWriter.Create(body, options, leaveOpen: true);
        await csv.WriteRecordAsync([.. headers], cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(Array.ConvertAll(row, cell => Convert.ToString(cell, CultureInfo.InvariantCulture)), cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes the rows as one XLSX sheet. MiniExcel writes the workbook to a temporary file (deleted on close) as the
    /// rows arrive, so neither the rows nor the workbook are held in memory; the file is then copied to the response,
    /// with the money columns given a yuan number format on the way (<see cref="XlsxMoneyFormat"/>).
    /// </summary>
    public static async Task WriteXlsxAsync(Stream body, string sheetName, IReadOnlyList<string> headers, IAsyncEnumerable<object[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        await using var file = TemporaryFile();
        await file.SaveAsAsync(AsDictionaries(headers, rows, cancellationToken), sheetName: sheetName, excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
        await file.FlushAsync(cancellationToken);
        file.Position = 0;

        var moneyColumns = headers.Select((header, index) => (header, index)).Where(column => MoneyHeaders.Contains(column.header))
            .Select(column => XlsxMoneyFormat.ColumnName(column.index)).ToHashSet(StringComparer.Ordinal);
        await using var formatted = TemporaryFile();
        await XlsxMoneyFormat.ApplyAsync(file, formatted, moneyColumns, cancellationToken);
        formatted.Position = 0;
        await formatted.CopyToAsync(body, cancellationToken);
    }

    private static FileStream TemporaryFile() =>
        new(Path.Combine(Path.GetTempPath(), $"medicalaid-export-{Guid.NewGuid():N}.xlsx"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);

    public static async IAsyncEnumerable<object[]> Rows<T>(IAsyncEnumerable<T> source, Func<T, object[]> cells, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(cells);
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            yield return cells(item);
        }
    }

    public static async IAsyncEnumerable<object[]> Rows(IEnumerable<object[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            yield return row;
        }

        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<Dictionary<string, object>> AsDictionaries(
        IReadOnlyList<string> headers, IAsyncEnumerable<object[]> rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var cells = new Dictionary<string, object>(headers.Count, StringComparer.Ordinal);
            for (var index = 0; index < headers.Count; index++)
            {
                cells[headers[index]] = row[index];
            }

            yield return cells;
        }
    }

    /// <summary>Yuan as a number with two decimals: CSV shows "7750.00", and a spreadsheet can add XLSX cells up.</summary>
    private static decimal Yuan(Money money) => money.ToYuan();

    private static string[] Headers((string Zh, string En)[] columns, ExportLanguage language) =>
        columns.Select(column => language == ExportLanguage.English ? column.En : column.Zh).ToArray();
}
