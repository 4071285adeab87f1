using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// A command of several statements for one round trip, written as fixed SQL with every value passed as a parameter:
/// <see cref="Add"/> returns the <c>{n}</c> placeholder that <c>ExecuteSqlRaw</c> binds to the value.
/// </summary>
public sealed class RawSql
{
    private readonly List<object> parameters = [];

    public StringBuilder Text { get; } = new();

    public string Add(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }

    /// <summary>Runs the statements; the rows they changed, added up.</summary>
    public Task<int> ExecuteAsync(MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlRawAsync(Text.ToString(), parameters, cancellationToken);
    }
}
