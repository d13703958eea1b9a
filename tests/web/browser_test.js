// ramette-web in Debian's chromium (puppeteer-core, no browser download): an admin and a
// direction account log in through the form, read the figures on the pages and compare them
// with `ramette indicators --format json` on the same database; the direction account gets 403
// for another direction (page, API, download); a logged-out browser reads nothing; no page or
// API answer holds a user name of the data set. Screenshots go to $RAMETTE_RUN_DIR/artefacts.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const base = process.env.RAMETTE_BASE_URL;
const run = process.env.RAMETTE_RUN_DIR;
const year = Number(process.env.RAMETTE_YEAR);
const own = process.env.RAMETTE_OWN_DIRECTION;
const other = process.env.RAMETTE_OTHER_DIRECTION;
const artefacts = path.join(run, 'artefacts');
const expectedOrg = JSON.parse(fs.readFileSync(path.join(run, 'expected_org.json'), 'utf8'));
const expectedOwn = JSON.parse(fs.readFileSync(path.join(run, 'expected_dsi.json'), 'utf8'));
// Every user of the data set (users.csv, first column): none may appear in any answer.
const userNames = fs.readFileSync(path.join(run, 'users.csv'), 'utf8').split(/\r?\n/).slice(1)
    .map((line) => line.split(',')[0].trim()).filter((n) => n.length > 0);
const allDirections = expectedOrg.directions.map((d) => d.direction);

let failures = 0;
function check(ok, what) {
  if (ok) {
    console.log('ok   ' + what);
  } else {
    failures++;
    console.log('FAIL ' + what);
  }
}
function close(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return a == b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
const seen = [];  // [what, text] of every answer read, for the privacy check
function noUserNames(what, text) {
  const found = userNames.filter((n) => text.includes(n));
  check(found.length === 0, what + ': no user name' + (found.length ? ' (found ' + found.slice(0, 3).join(', ') + ')' : ''));
}

function checkSecurityHeaders(what, response, authenticated) {
  const h = response.headers();
  const csp = h['content-security-policy'] || '';
  check(csp.includes("default-src 'none'") && !csp.includes('script-src'),
        what + ': CSP without scripts');
  check(h['x-content-type-options'] === 'nosniff', what + ': nosniff');
  check(h['referrer-policy'] === 'no-referrer', what + ': no referrer');
  if (authenticated) check(h['cache-control'] === 'no-store', what + ': no-store');
}

async function goto(page, url) {
  const response = await page.goto(base + url, {waitUntil: 'load'});
  const text = await page.content();
  seen.push([url, text]);
  return {response, text};
}

async function shot(page, name) {
  await page.screenshot({path: path.join(artefacts, name + '.png'), fullPage: true});
}

async function logIn(page, name, password, tag) {
  await goto(page, '/login');
  await shot(page, tag + '-login');
  await page.type('#name', name);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click('form[action="/login"] button[type="submit"]')]);
  const cookies = await page.cookies(base);
  const session = cookies.find((c) => c.name === 'ramette_session');
  check(session !== undefined, tag + ': session cookie set');
  if (session) {
    check(session.httpOnly === true, tag + ': session cookie HttpOnly');
    check(session.sameSite === 'Strict', tag + ': session cookie SameSite=Strict');
  }
  return cookies.map((c) => c.name + '=' + c.value).join('; ');
}

// Same-origin request with the browser's cookies, for downloads (a navigation to an attachment
// does not give its body).
async function fetchWith(cookie, url) {
  const r = await fetch(base + url, {headers: {Cookie: cookie}, redirect: 'manual'});
  const text = await r.text();
  seen.push([url, text]);
  return {status: r.status, text, headers: r.headers};
}

// The cells of one indicator table on the page: {key: data-value} for `year`.
async function tableValues(page, selector) {
  return page.$$eval(selector + ' td[data-key][data-year="' + year + '"]',
                     (tds) => tds.map((td) => [td.dataset.key, td.dataset.value]));
}
function compareScope(tag, cells, expected) {
  check(cells.length >= 5, tag + ': ' + cells.length + ' indicator cells');
  for (const [key, value] of cells) {
    const want = expected[key];
    const got = value === '' ? null : Number(value);
    check(close(got, want === undefined ? null : want), tag + ': ' + key + ' ' + got + ' = ' + want);
  }
}

async function main() {
  fs.mkdirSync(artefacts, {recursive: true});
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.RAMETTE_CHROMIUM,
      headless: true,
      // Only here: the tests run as root, where chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
  } catch (e) {
    console.log('FAIL chromium does not start: ' + e.message);
    process.exit(1);
  }
  try {
    // Logged out: nothing readable.
    {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      for (const url of ['/', '/?year=' + year, '/direction?name=' + own, '/devices', '/quality', '/servers']) {
        const {response} = await goto(page, url);
        check(new URL(page.url()).pathname === '/login', 'logged out: ' + url + ' lands on /login');
        checkSecurityHeaders('logged out ' + url, response, false);
      }
      await shot(page, 'logged-out-login');
      for (const url of ['/api/v1/indicators?year=' + year, '/api/v1/status']) {
        const {response} = await goto(page, url);
        check(response.status() === 401, 'logged out: ' + url + ' is 401');
      }
      for (const url of ['/download/export?year=' + year + '&format=json',
                         '/download/report?direction=' + own + '&format=csv&month=' + year + '-12']) {
        const r = await fetchWith('', url);
        check(r.status === 303 && r.headers.get('location') === '/login', 'logged out: ' + url + ' redirects to /login');
      }
      await context.close();
    }

    // Admin.
    {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const cookie = await logIn(page, 'webadmin', 'admin-password-123', 'admin');
      check(new URL(page.url()).pathname === '/', 'admin lands on /');
      const {response} = await goto(page, '/?year=' + year);
      check(response.status() === 200, 'admin: organisation page 200');
      checkSecurityHeaders('admin /', response, true);
      await shot(page, 'admin-organisation');
      compareScope('admin organisation', await tableValues(page, 'table.indicators.organisation'),
                   expectedOrg.organisation);
      const ranking = await page.$$eval('table.ranking tbody tr', (rows) => rows.map((tr) => {
        const td = tr.querySelector('td[data-key="kg_per_workstation"]');
        return [tr.querySelector('td a').textContent, td ? td.dataset.value : ''];
      }));
      check(ranking.length > 0, 'admin: ranking lists ' + ranking.length + ' directions');
      for (const [name, value] of ranking) {
        const d = expectedOrg.directions.find((x) => x.direction === name);
        check(d !== undefined && close(value === '' ? null : Number(value), d.kg_per_workstation),
              'admin ranking: ' + name + ' kg per workstation ' + value);
      }
      for (const url of ['/devices?year=' + year, '/quality?year=' + year, '/servers',
                         '/direction?name=' + other + '&month=' + year + '-12',
                         '/direction?name=' + own + '&month=' + year + '-12']) {
        const r = await goto(page, url);
        check(r.response.status() === 200, 'admin: ' + url + ' 200');
        await shot(page, 'admin-' + url.replace(/[^a-z0-9]+/gi, '_').replace(/^_/, ''));
      }
      const api = await goto(page, '/api/v1/indicators?year=' + year);
      check(api.response.status() === 200, 'admin: API 200');
      const apiText = await api.response.text();
      seen.push(['admin API', apiText]);
      check(JSON.stringify(JSON.parse(apiText)) === JSON.stringify(expectedOrg),
            'admin: API answers the same object as `ramette indicators --format json`');
      checkSecurityHeaders('admin API', api.response, true);
      const status = await fetchWith(cookie, '/api/v1/status');
      check(status.status === 200, 'admin: /api/v1/status 200');
      const exp = await fetchWith(cookie, '/download/export?year=' + year + '&format=csv-fr');
      check(exp.status === 200 && /attachment/.test(exp.headers.get('content-disposition') || ''),
            'admin: export download');
      const rep = await fetchWith(cookie, '/download/report?direction=' + own + '&format=html&month=' + year + '-12');
      check(rep.status === 200 && (rep.headers.get('content-disposition') || '').includes('ramette-' + year + '-12-' + own + '.html'),
            'admin: monthly report download named like `ramette report monthly`');
      // Logout (POST with the session's CSRF token, from the navigation bar's form).
      await goto(page, '/servers');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click('form.logout button')]);
      check(new URL(page.url()).pathname === '/login', 'admin: logout lands on /login');
      await goto(page, '/?year=' + year);
      check(new URL(page.url()).pathname === '/login', 'admin: after logout / lands on /login');
      const after = await fetchWith(cookie, '/api/v1/indicators?year=' + year);
      check(after.status === 401, 'admin: the old session cookie is refused after logout');
      await context.close();
    }

    // A direction account.
    {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const cookie = await logIn(page, 'dsi-lead', 'dsi-password-4567', 'direction');
      const texts = [];
      const org = await goto(page, '/?year=' + year);
      texts.push(org.text);
      check(org.response.status() === 200, 'direction: organisation page 200');
      await shot(page, 'direction-organisation');
      compareScope('direction organisation', await tableValues(page, 'table.indicators.organisation'),
                   expectedOwn.organisation);
      compareScope('direction own', await tableValues(page, 'table.indicators.direction'),
                   expectedOwn.directions[0]);
      check((await page.$('table.ranking')) === null, 'direction: no ranking of directions');
      const mine = await goto(page, '/direction?month=' + year + '-12');
      texts.push(mine.text);
      check(mine.response.status() === 200, 'direction: its own direction page 200');
      await shot(page, 'direction-own');
      for (const url of ['/direction?name=' + other, '/direction?name=' + other + '&month=' + year + '-12',
                         '/devices', '/quality', '/servers']) {
        const r = await goto(page, url);
        check(r.response.status() === 403, 'direction: ' + url + ' is 403');
      }
      await shot(page, 'direction-forbidden');
      const api = await goto(page, '/api/v1/indicators?year=' + year);
      const apiText = await api.response.text();
      seen.push(['direction API', apiText]);
      texts.push(apiText);
      check(JSON.stringify(JSON.parse(apiText)) === JSON.stringify(expectedOwn),
            'direction: API answers `ramette indicators --direction ' + own + ' --format json`');
      const apiOther = await goto(page, '/api/v1/indicators?year=' + year + '&direction=' + other);
      check(apiOther.response.status() === 403, 'direction: API for another direction is 403');
      const dlOther = await fetchWith(cookie, '/download/report?direction=' + other + '&format=html&month=' + year + '-12');
      check(dlOther.status === 403, 'direction: another direction\'s report download is 403');
      const dlOtherCsv = await fetchWith(cookie, '/download/report?direction=' + other + '&format=csv&month=' + year + '-12');
      check(dlOtherCsv.status === 403, 'direction: another direction\'s CSV download is 403');
      const dlOwn = await fetchWith(cookie, '/download/report?direction=' + own + '&format=html&month=' + year + '-12');
      check(dlOwn.status === 200, 'direction: its own report download');
      texts.push(dlOwn.text);
      const exp = await fetchWith(cookie, '/download/export?year=' + year + '&format=json');
      check(exp.status === 200, 'direction: export download');
      texts.push(exp.text);
      // Never another direction's name, in any page, API answer or download it read.
      for (const d of allDirections.filter((x) => x !== own)) {
        const escaped = d.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        check(texts.every((t) => !t.includes(d) && !t.includes(escaped)),
              'direction: nothing names direction ' + d);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  for (const [what, text] of seen) noUserNames(what, text);
  console.log(failures === 0 ? 'all browser checks passed' : failures + ' browser check(s) failed');
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log('FAIL ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
