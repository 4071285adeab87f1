using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
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
        var table = TableColumns.Of<TEntity>(db);
        var columns = new List<string>(table.Columns.Count);
        var values = new List<string>(table.Columns.Count);
        foreach (var column in table.Columns)
        {
            var value = column.Read(entity);
            if (column.IsUnsetGeneratedKey(value))
            {
                continue;
            }

            columns.Add(column.QuotedName);
            values.Add(Typed(column, value));
        }

        Text.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table.QuotedName} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", values)});\n");
    }

    /// <summary>An UPDATE of every column of <paramref name="entity"/>'s row that is not part of its key.</summary>
    public void AppendUpdate<TEntity>(DbContext db, TEntity entity)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        var table = TableColumns.Of<TEntity>(db);
        var assignments = new List<string>(table.Columns.Count);
        var conditions = new List<string>();
        foreach (var column in table.Columns)
        {
            var clause = $"{column.QuotedName} = {Typed(column, column.Read(entity))}";
            (column.IsKey ? conditions : assignments).Add(clause);
        }

        Text.Append(CultureInfo.InvariantCulture, $"UPDATE {table.QuotedName} SET {string.Join(", ", assignments)} WHERE {string.Join(" AND ", conditions)};\n");
    }

    /// <summary>Runs the statements; the rows they changed, added up.</summary>
    public async Task<int> ExecuteAsync(MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var parameterFactory = db.Database.GetDbConnection().CreateCommand();
        var values = parameters.Select(parameter => parameter is TypedValue typed
            ? typed.Column.Mapping.CreateParameter(parameterFactory, "", typed.Value, typed.Column.IsNullable)
            : parameter).ToArray();
        return await db.Database.ExecuteSqlRawAsync(Text.ToString(), values!, cancellationToken);
    }

    private string Typed(TableColumns.Column column, object? value) => Placeholder(new TypedValue(column, value));

    private string Placeholder(object? value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }

    private sealed record TypedValue(TableColumns.Column Column, object? Value);
}

/// <summary>
/// An entity's table as EF Core's model maps it: its quoted name and, for each mapped property, the quoted column, the
/// type mapping and how to read and write the value. Worked out once per model and entity type: asking the model for
/// column names and type mappings on every write took about 3% of the API's CPU in a settlement profile (README).
/// </summary>
public sealed class TableColumns
{
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<Type, TableColumns>> ByModel = new();

    private TableColumns(IEntityType entityType)
    {
        QuotedName = Quote(entityType.GetTableName()!);
        Columns = [.. entityType.GetProperties().Select(property => new Column(property))];
        NonKeyColumns = [.. Columns.Where(column => !column.IsKey)];
    }

    public string QuotedName { get; }

    public IReadOnlyList<Column> Columns { get; }

    public IReadOnlyList<Column> NonKeyColumns { get; }

    public static TableColumns Of<TEntity>(DbContext db)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(db);
        var model = db.Model;
        return ByModel.GetOrCreateValue(model).GetOrAdd(typeof(TEntity), type => new TableColumns(
            model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not an entity of this model.")));
    }

    private static string Quote(string identifier) => "\"" + identifier + "\"";

    public sealed class Column
    {
        private readonly IClrPropertyGetter getter;
        private readonly bool isGeneratedValueKey;
        private readonly object? unsetValue;

        internal Column(IProperty property)
        {
            Property = property;
            QuotedName = Quote(property.GetColumnName());
            Mapping = property.GetRelationalTypeMapping();
            IsNullable = property.IsNullable;
            IsKey = property.IsPrimaryKey();
            getter = property.GetGetter();
            isGeneratedValueKey = property.ValueGenerated == ValueGenerated.OnAdd && IsKey && property.ClrType.IsValueType;
            unsetValue = isGeneratedValueKey ? Activator.CreateInstance(property.ClrType) : null;
        }

        public IProperty Property { get; }

        public string QuotedName { get; }

        public RelationalTypeMapping Mapping { get; }

        public bool IsNullable { get; }

        public bool IsKey { get; }

        public object? Read(object entity) => getter.GetClrValueUsingContainingEntity(entity);

        /// <summary>A key the database generates, not set yet: the INSERT leaves the column out.</summary>
        public bool IsUnsetGeneratedKey(object? value) => isGeneratedValueKey && Equals(value, unsetValue);

        /// <summary>Sets the property from a value as the database provider returned it: to the stored type, then through the property's value converter.</summary>
        public void WriteStored(object entity, object? stored)
        {
            var storedType = Mapping.Converter?.ProviderClrType ?? Property.ClrType;
            var value = stored is null
                ? null
                : Convert.ChangeType(stored, Nullable.GetUnderlyingType(storedType) ?? storedType, CultureInfo.InvariantCulture);
            Property.PropertyInfo!.SetValue(entity, Mapping.Converter is { } converter ? converter.ConvertFromProvider(value) : value);
        }
    }
}
