/**
 * The Lab's shell: the menu of pages, the language switch, the hash router (#<page>?<set-up>) and window.lab, the
 * read-only view of the current page's state that the automated checks use (see lab/README.md).
 */
import './style.css';
import { version } from 'myelin';
import { currentLang, LANGS, onLangChange, setLang, translator, type Lang, type Strings } from './i18n.js';
import type { LabPage, MountedPage } from './page.js';

const S: Strings<'skip' | 'menu' | 'language' | 'footer' | 'notFound'> = {
  en: {
    skip: 'Skip to the page',
    menu: 'Pages',
    language: 'Language',
    footer: 'Every network here is a real Myelin {version} model, trained in your browser.',
    notFound: 'There is no page called "{id}".',
  },
  nl: {
    skip: 'Direct naar de pagina',
    menu: "Pagina's",
    language: 'Taal',
    footer: 'Elk netwerk hier is een echt Myelin {version}-model, getraind in je eigen browser.',
    notFound: 'Er is geen pagina "{id}".',
  },
};
const t = translator(S);

const pages: LabPage[] = Object.values(import.meta.glob<{ default: LabPage }>('./pages/*/index.ts', { eager: true }))
  .map((m) => m.default)
  .sort((a, b) => a.order - b.order);

const app = document.getElementById('app')!;
app.innerHTML = `
  <a class="skip" href="#main"></a>
  <header class="top">
    <a class="brand" href="#${pages[0]?.id ?? ''}">Myelin Lab</a>
    <nav aria-label=""><ul class="menu"></ul></nav>
    <div class="lang" role="group"></div>
  </header>
  <main id="main" tabindex="-1"></main>
  <footer class="bottom"></footer>`;
const skip = app.querySelector<HTMLAnchorElement>('.skip')!;
const nav = app.querySelector('nav')!;
const menu = app.querySelector('.menu')!;
const langBox = app.querySelector<HTMLElement>('.lang')!;
const main = app.querySelector<HTMLElement>('main')!;
const footer = app.querySelector('footer')!;

let mounted: { page: LabPage | null; view: MountedPage | null } = { page: null, view: null };

function route(): { id: string; params: URLSearchParams } {
  const hash = location.hash.replace(/^#/, '');
  const q = hash.indexOf('?');
  return { id: q < 0 ? hash : hash.slice(0, q), params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
}

function renderShell(): void {
  const lang = currentLang();
  document.documentElement.lang = lang;
  skip.textContent = t('skip');
  nav.setAttribute('aria-label', t('menu'));
  langBox.setAttribute('aria-label', t('language'));
  menu.innerHTML = '';
  for (const p of pages) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#${p.id}`;
    a.textContent = p.title[lang];
    if (mounted.page === p) a.setAttribute('aria-current', 'page');
    li.append(a);
    menu.append(li);
  }
  langBox.innerHTML = '';
  for (const l of LANGS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = l.toUpperCase();
    b.lang = l;
    b.setAttribute('aria-pressed', String(l === lang));
    b.title = l === 'en' ? 'English' : 'Nederlands';
    b.addEventListener('click', () => setLang(l as Lang));
    langBox.append(b);
  }
  footer.textContent = t('footer', { version });
  document.title = mounted.page ? `${mounted.page.title[lang]} · Myelin Lab` : 'Myelin Lab';
}

function show(): void {
  const { id, params } = route();
  const page = pages.find((p) => p.id === id) ?? (id === '' ? pages[0] : null);
  if (mounted.page === page && page) return; // only the set-up in the URL changed (the page wrote it)
  mounted.view?.unmount();
  main.innerHTML = '';
  mounted = { page: page ?? null, view: null };
  if (page) mounted.view = page.mount(main, params);
  else main.textContent = t('notFound', { id });
  renderShell();
}

onLangChange(() => {
  renderShell();
  mounted.view?.relabel();
});
addEventListener('hashchange', show);
show();

/** Read-only state for automated checks and curious learners (lab/README.md). */
Object.defineProperty(window, 'lab', {
  value: Object.freeze({
    version,
    pages: () => pages.map((p) => p.id),
    lang: () => currentLang(),
    state: () => ({ page: mounted.page?.id ?? null, lang: currentLang(), ...(mounted.view?.state() ?? {}) }),
  }),
});
