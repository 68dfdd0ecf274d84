// The same selection as examples/order.toml, done by DuckDB: patients seen
// since 2017-05-07 (six columns) and their results (five columns), written as
// CSV. All columns are read as text so that values stay byte-identical.
// usage: node duckdb_extract.mjs SOURCE_DIR OUT_DIR
import { DuckDBInstance } from '@duckdb/node-api';

const [src, out] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const db = await instance.connect();
const read = (name) =>
  `read_csv('${src}/${name}.csv', delim=';', header=true, all_varchar=true, encoding='latin-1', quote='"', escape='"')`;
await db.run(`CREATE TEMP TABLE selected AS
  SELECT NUM_DOSSIER, NIR, NOM, PRENOM, DATE_NAISSANCE, DATE_DERNIERE_VISITE FROM ${read('patients')}
  WHERE strptime(DATE_DERNIERE_VISITE, '%d/%m/%Y') >= DATE '2017-05-07'`);
await db.run(`COPY selected TO '${out}/patients.csv' (HEADER, DELIMITER ',')`);
await db.run(`COPY (SELECT NUM_DOSSIER, DATE_PRELEVEMENT, CODE_ANALYSE, RESULTAT, UNITE FROM ${read('resultats')}
  WHERE NUM_DOSSIER IN (SELECT NUM_DOSSIER FROM selected)) TO '${out}/resultats.csv' (HEADER, DELIMITER ',')`);
