using System.IO.Compression;
using System.Text.RegularExpressions;
using MedicalAid.Api.Reports;
using MiniExcelLibs;

namespace MedicalAid.Console.Tests;

/// <summary>The yuan number format of the exports' money columns: numbers that show as money, never text.</summary>
public sealed partial class XlsxMoneyFormatTests
{
    [Theory]
    [InlineData(0, "A")]
    [InlineData(4, "E")]
    [InlineData(25, "Z")]
    [InlineData(26, "AA")]
    [InlineData(701, "ZZ")]
    [InlineData(702, "AAA")]
    public void ColumnName_CountsLikeASpreadsheet(int index, string name) => Assert.Equal(name, XlsxMoneyFormat.ColumnName(index));

    [Fact]
    public async Task MoneyColumns_AreNumbersInTheYuanFormat_AndOtherCellsAreUntouched()
    {
        using var body = new MemoryStream();
        await ExportTables.WriteXlsxAsync(body, "summary", ["维度", "结算笔数", "基金支付合计", "慈善救助"],
            ExportTables.Rows([["合计", 3L, 1234.56m, 0.5m], ["医院", 1L, 7750.00m, 0m]]), TestContext.Current.CancellationToken);

        body.Position = 0;
        var rows = MiniExcel.Query(body, useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(1234.56m, Convert.ToDecimal(rows[0]["基金支付合计"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(7750.00m, Convert.ToDecimal(rows[1]["基金支付合计"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("合计", rows[0]["维度"]);

        body.Position = 0;
        using var workbook = new ZipArchive(body, ZipArchiveMode.Read);
        var sheet = await new StreamReader(workbook.GetEntry("xl/worksheets/sheet1.xml")!.Open()).ReadToEndAsync(TestContext.Current.CancellationToken);
        var styles = await new StreamReader(workbook.GetEntry("xl/styles.xml")!.Open()).ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("formatCode=\"&quot;¥&quot;#,##0.00\"", styles, StringComparison.Ordinal);
        var money = Cell().Matches(sheet).Where(cell => cell.Groups["column"].Value is "C" or "D" && cell.Groups["row"].Value != "1").ToList();
        Assert.Equal(4, money.Count);
        Assert.All(money, cell => Assert.Equal("n", cell.Groups["type"].Value));
        Assert.Single(money.Select(cell => cell.Groups["style"].Value).Distinct());
        var moneyStyle = money[0].Groups["style"].Value;
        Assert.DoesNotContain(Cell().Matches(sheet), cell => cell.Groups["column"].Value is "A" or "B" && cell.Groups["style"].Value == moneyStyle);
    }

    [GeneratedRegex("""<x:c r="(?<column>[A-Z]+)(?<row>[0-9]+)" t="(?<type>[a-z]+)" s="(?<style>[0-9]+)">""")]
    private static partial Regex Cell();
}
