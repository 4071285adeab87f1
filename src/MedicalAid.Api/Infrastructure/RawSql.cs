using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// A command of several statements for one round trip, written as fixed SQL with every value passed as a parameter:
/// <see cref="Add"/> returns the <c>{n}</c> placeholder that <c>ExecuteSqlRaw</c> binds to the value.
/// <see cref="AppendInsert{TEntity}"/> and <see cref="AppendUpdate{TEntity}"/> write an entity's row from EF Core's
/// model, each value converted and typed by its property's own type mapping as <c>SaveChanges</c> would, so that the
/// row reads back through EF Core exactly like one it wrote.
/// </summary>
public sealed class RawSql
{
    private readonly List<object?> parameters = [];

    public StringBuilder Text { get; } = new();

    public string Add(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Placeholder(value);
    }

    /// <summary>An INSERT of every mapped column of <paramref name="entity"/>; a key the database generates is left to it.</summary>
    public void AppendInsert<TEntity>(DbContext db, TEntity entity)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        var (table, properties) = Mapping<TEntity>(db);
        var columns = new List<string>(properties.Count);
        var values = new List<string>(properties.Count);
        foreach (var property in properties)
        {
            var value = property.GetGetter().GetClrValueUsingContainingEntity(entity);
            if (property.ValueGenerated == ValueGenerated.OnAdd && property.IsPrimaryKey() && property.ClrType.IsValueType
                && Equals(value, Activator.CreateInstance(property.ClrType)))
            {
                continue;
            }

            columns.Add(Quote(property.GetColumnName()));
            values.Add(Typed(property, value));
        }

        Text.Append(CultureInfo.InvariantCulture, $"INSERT INTO {Quote(table)} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", values)});\n");
    }

    /// <summary>An UPDATE of every column of <paramref name="entity"/>'s row that is not part of its key.</summary>
    public void AppendUpdate<TEntity>(DbContext db, TEntity entity)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        var (table, properties) = Mapping<TEntity>(db);
        var assignments = new List<string>(properties.Count);
        var conditions = new List<string>();
        foreach (var property in properties)
        {
            var clause = $"{Quote(property.GetColumnName())} = {Typed(property, property.GetGetter().GetClrValueUsingContainingEntity(entity))}";
            (property.IsPrimaryKey() ? conditions : assignments).Add(clause);
        }

        Text.Append(CultureInfo.InvariantCulture, $"UPDATE {Quote(table)} SET {string.Join(", ", assignments)} WHERE {string.Join(" AND ", conditions)};\n");
    }

    /// <summary>Runs the statements; the rows they changed, added up.</summary>
    public async Task<int> ExecuteAsync(MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var parameterFactory = db.Database.GetDbConnection().CreateCommand();
        var values = parameters.Select(parameter => parameter is TypedValue typed
            ? typed.Mapping.CreateParameter(parameterFactory, "", typed.Value, typed.Nullable)
            : parameter).ToArray();
        return await db.Database.ExecuteSqlRawAsync(Text.ToString(), values!, cancellationToken);
    }

    private static (string Table, IReadOnlyList<IProperty> Properties) Mapping<TEntity>(DbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entityType = db.Model.FindEntityType(typeof(TEntity))
            ?? throw new InvalidOperationException($"{typeof(TEntity).Name} is not an entity of this model.");
        return (entityType.GetTableName()!, [.. entityType.GetProperties()]);
    }

    private string Typed(IProperty property, object? value) =>
        Placeholder(new TypedValue(property.GetRelationalTypeMapping(), value, property.IsNullable));

    private string Placeholder(object? value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }

    private static string Quote(string identifier) => "\"" + identifier + "\"";

    private sealed record TypedValue(RelationalTypeMapping Mapping, object? Value, bool Nullable);
}
