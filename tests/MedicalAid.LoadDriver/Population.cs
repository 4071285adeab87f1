using System.Globalization;
using System.Text;
using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.LoadDriver;

/// <summary>One generated beneficiary: who a hospital names in a request, and the category staff registered.</summary>
internal sealed record PopulationMember(string IdNumber, string Name, string Category)
{
    public PatientIdentity Identity { get; } = new() { IdNumber = IdNumber, Name = Name };
}

/// <summary>
/// A deterministic population of beneficiaries, the same number in every category of docs/design.md §4, with valid
/// GB 11643 ID numbers in division 140105 (never a demo ID, which are all 140109). Member i always has the same
/// ID number, name and category, so a seeding script and the load driver agree on who exists.
/// </summary>
internal static class Population
{
    public const string DivisionCode = "140105";

    /// <summary>The district unit the population is registered in, under the demo city.</summary>
    public const string DistrictName = "小店区";

    public const string CityCode = "140100";

    /// <summary>Registration date of every generated beneficiary: after every generated birth date.</summary>
    public static readonly DateOnly RegisteredFrom = new(2020, 1, 1);

    public static IReadOnlyList<string> Categories { get; } =
        ["extreme-poverty", "minimum-living", "low-income-marginal", "special-care", "heroic-act", "orphan", "illness-poverty"];

    private static readonly DateOnly FirstBirthDate = new(1940, 1, 1);

    /// <summary>A prime above the number of birth dates used, so that i → birth date is a permutation.</summary>
    private const int BirthDays = 25_013;

    private const int SequencesPerDay = 1_000;

    public static int MaxSize => BirthDays * SequencesPerDay;

    public static IReadOnlyList<PopulationMember> Generate(int perCategory)
    {
        var size = checked(perCategory * Categories.Count);
        if (perCategory < 1 || size > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(perCategory), $"1 to {MaxSize / Categories.Count} per category.");
        }

        var members = new PopulationMember[size];
        for (var i = 0; i < size; i++)
        {
            members[i] = Member(i);
        }

        return members;
    }

    public static PopulationMember Member(int index)
    {
        var day = (int)((long)(index / SequencesPerDay) * 7_919 % BirthDays);
        var birth = FirstBirthDate.AddDays(day);
        var first17 = string.Create(
            CultureInfo.InvariantCulture,
            $"{DivisionCode}{birth:yyyyMMdd}{index % SequencesPerDay:000}");
        var idNumber = first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
        return new PopulationMember(idNumber, "负载" + index.ToString(CultureInfo.InvariantCulture), Categories[index % Categories.Count]);
    }

    /// <summary>The staff CSV import file (header <c>idNumber,name,category,effectiveFrom,active,divisionCode</c>).</summary>
    public static byte[] ToImportCsv(IEnumerable<PopulationMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var csv = new StringBuilder("idNumber,name,category,effectiveFrom,active,divisionCode\n");
        var from = RegisteredFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var member in members)
        {
            csv.Append(member.IdNumber).Append(',').Append(member.Name).Append(',').Append(member.Category).Append(',')
                .Append(from).Append(",true,").Append(DivisionCode).Append('\n');
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
