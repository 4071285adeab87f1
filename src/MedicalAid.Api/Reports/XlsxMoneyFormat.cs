using System.IO.Compression;
using System.Xml;
using System.Xml.Linq;

namespace MedicalAid.Api.Reports;

/// <summary>
/// Gives the money columns of a workbook MiniExcel wrote a yuan number format (¥#,##0.00): the cells stay numbers a
/// spreadsheet can add up, and show as money. MiniExcel's own column format turns numbers into text, so the format is
/// added afterwards: one number format and one cell style in the styles part, and that style on every cell of those
/// columns below the header, rewriting the sheet as a stream (an export may hold a million rows).
/// </summary>
public static class XlsxMoneyFormat
{
    public const string Format = "\"¥\"#,##0.00";

    private const string SheetEntry = "xl/worksheets/sheet1.xml";
    private const string StylesEntry = "xl/styles.xml";
    private const int CustomFormatId = 164;

    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>The spreadsheet name of the zero-based column <paramref name="index"/>: A … Z, AA, AB ….</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var number = index + 1; number > 0; number = (number - 1) / 26)
        {
            name = (char)('A' + ((number - 1) % 26)) + name;
        }

        return name;
    }

    public static async Task ApplyAsync(Stream workbook, Stream output, IReadOnlySet<string> moneyColumns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moneyColumns);
        using var source = new ZipArchive(workbook, ZipArchiveMode.Read, leaveOpen: true);
        using var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var styleIndex = -1;
        if (moneyColumns.Count > 0 && source.GetEntry(StylesEntry) is { } styles)
        {
            await using var stylesStream = styles.Open();
            var document = await XDocument.LoadAsync(stylesStream, LoadOptions.None, cancellationToken);
            styleIndex = AddMoneyStyle(document);
            var entry = target.CreateEntry(StylesEntry, CompressionLevel.Fastest);
            await using var written = entry.Open();
            await document.SaveAsync(written, SaveOptions.DisableFormatting, cancellationToken);
        }

        foreach (var entry in source.Entries)
        {
            if (entry.FullName == StylesEntry && styleIndex >= 0)
            {
                continue;
            }

            var copy = target.CreateEntry(entry.FullName, CompressionLevel.Fastest);
            await using var from = entry.Open();
            await using var to = copy.Open();
            if (entry.FullName == SheetEntry && styleIndex >= 0)
            {
                await RestyleAsync(from, to, moneyColumns, styleIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            }
            else
            {
                await from.CopyToAsync(to, cancellationToken);
            }
        }
    }

    /// <summary>Adds the yuan format and a cell style using it; answers the style's index.</summary>
    private static int AddMoneyStyle(XDocument document)
    {
        var root = document.Root ?? throw new InvalidDataException("The workbook's styles part is empty.");
        var ns = root.Name.Namespace == XNamespace.None ? Main : root.Name.Namespace;
        var formats = root.Element(ns + "numFmts");
        if (formats is null)
        {
            formats = new XElement(ns + "numFmts");
            root.AddFirst(formats);
        }

        formats.Add(new XElement(ns + "numFmt", new XAttribute("numFmtId", CustomFormatId), new XAttribute("formatCode", Format)));
        formats.SetAttributeValue("count", formats.Elements(ns + "numFmt").Count());
        var cellStyles = root.Element(ns + "cellXfs") ?? throw new InvalidDataException("The workbook has no cell styles.");
        cellStyles.Add(new XElement(ns + "xf",
            new XAttribute("numFmtId", CustomFormatId), new XAttribute("fontId", 0), new XAttribute("fillId", 0), new XAttribute("borderId", 0),
            new XAttribute("xfId", 0), new XAttribute("applyNumberFormat", 1)));
        var count = cellStyles.Elements(ns + "xf").Count();
        cellStyles.SetAttributeValue("count", count);
        return count - 1;
    }

    /// <summary>Copies the sheet node by node, giving the money cells of every row but the header the money style.</summary>
    private static async Task RestyleAsync(Stream from, Stream to, IReadOnlySet<string> moneyColumns, string style, CancellationToken cancellationToken)
    {
        using var reader = XmlReader.Create(from, new XmlReaderSettings { Async = true });
        await using var writer = XmlWriter.Create(to, new XmlWriterSettings { Async = true, Encoding = new System.Text.UTF8Encoding(false) });
        while (await reader.ReadAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    await writer.WriteStartDocumentAsync();
                    break;
                case XmlNodeType.Element:
                    var empty = reader.IsEmptyElement;
                    await writer.WriteStartElementAsync(reader.Prefix, reader.LocalName, reader.NamespaceURI);
                    var reference = reader.LocalName == "c" ? reader.GetAttribute("r") : null;
                    var money = reference is not null && IsMoneyCell(reference, moneyColumns);
                    var styled = false;
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            var value = money && reader.LocalName == "s" && reader.Prefix.Length == 0 ? style : reader.Value;
                            styled |= money && reader.LocalName == "s" && reader.Prefix.Length == 0;
                            await writer.WriteAttributeStringAsync(reader.Prefix, reader.LocalName, reader.NamespaceURI, value);
                        }
                        while (reader.MoveToNextAttribute());
                        reader.MoveToElement();
                    }

                    if (money && !styled)
                    {
                        await writer.WriteAttributeStringAsync(null, "s", null, style);
                    }

                    if (empty)
                    {
                        await writer.WriteEndElementAsync();
                    }

                    break;
                case XmlNodeType.EndElement:
                    await writer.WriteFullEndElementAsync();
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.SignificantWhitespace:
                    await writer.WriteStringAsync(reader.Value);
                    break;
                case XmlNodeType.Whitespace:
                    await writer.WriteWhitespaceAsync(reader.Value);
                    break;
                case XmlNodeType.CDATA:
                    await writer.WriteCDataAsync(reader.Value);
                    break;
            }
        }
    }

    /// <summary>A cell such as "E2" in one of the money columns, below the header row.</summary>
    private static bool IsMoneyCell(string reference, IReadOnlySet<string> moneyColumns)
    {
        var letters = 0;
        while (letters < reference.Length && char.IsAsciiLetterUpper(reference[letters]))
        {
            letters++;
        }

        return letters > 0 && reference[letters..] != "1" && moneyColumns.Contains(reference[..letters]);
    }
}
