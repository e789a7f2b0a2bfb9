import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emailToText, htmlToText, parseEmail } from '../../src/data/index.js';

test('emailToText: subject and body kept, routing headers dropped, folded subject unfolded', () => {
  const raw = [
    'From bob@example.com  Thu Aug 22 12:36:23 2002',
    'Received: from mail.example.com (mail [1.2.3.4])',
    '\tby mx.example.org with SMTP',
    'X-Spam-Status: No, hits=-2.0',
    'Subject: Meeting',
    '  moved to Friday',
    'From: Bob <bob@example.com>',
    '',
    'Hi all,',
    '',
    '',
    '',
    'see you then.   ',
  ].join('\r\n');
  assert.equal(emailToText(raw), 'Meeting moved to Friday\n\nHi all,\n\nsee you then.');
  assert.deepEqual(parseEmail(raw), { subject: 'Meeting moved to Friday', body: 'Hi all,\n\nsee you then.' });
  assert.equal(emailToText('To: x@y.z\n\njust a body'), 'just a body');
});

test('emailToText: RFC 2047 subjects, quoted-printable and base64 bodies with their charsets', () => {
  const qp = [
    'Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?= =?utf-8?B?4oKsNSBvZmY=?=',
    'Content-Type: text/plain; charset="iso-8859-1"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Prix: 5=80 seulement=2C vite=',
    '!',
  ].join('\n');
  // windows-1252 0x80 is the euro sign; the soft line break joins the last two lines
  assert.equal(emailToText(qp), 'Café crème€5 off\n\nPrix: 5€ seulement, vite!');
  const b64 = [
    'Subject: hello',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('Grüße aus Köln').toString('base64'),
  ].join('\n');
  assert.equal(emailToText(b64), 'hello\n\nGrüße aus Köln');
  // an 8-bit body read byte for byte (latin-1) is decoded with its declared charset
  const utf8AsBytes = Buffer.from('naïve résumé', 'utf8').toString('latin1');
  assert.equal(emailToText(`Subject: x\nContent-Type: text/plain; charset=utf-8\n\n${utf8AsBytes}`), 'x\n\nnaïve résumé');
});

test('emailToText: multipart messages keep text parts, one of an alternative, no attachments', () => {
  const raw = [
    'Subject: offer',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'This is a multi-part message in MIME format.',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain',
    '',
    'Buy now',
    '--inner',
    'Content-Type: text/html',
    '',
    '<p>Buy <b>now</b></p>',
    '--inner--',
    '--outer',
    'Content-Type: image/gif; name="x.gif"',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--outer',
    'Content-Type: text/plain',
    'Content-Disposition: inline',
    '',
    'Unsubscribe below',
    '--outer--',
    'epilogue',
  ].join('\n');
  assert.equal(emailToText(raw), 'offer\n\nBuy now\n\nUnsubscribe below');
});

test('htmlToText: tags, scripts, styles and comments removed, link targets and entities kept', () => {
  const html = '<html><head><title>t</title><style>p{color:red}</style></head><body><!-- hidden --><p>Save&nbsp;70%&amp;more</p>'
    + '<a href="http://cheap.example.com/buy">click</a><script>var x=1;</script><br>Caf&#233; &euro;5</body></html>';
  const text = htmlToText(html);
  assert.match(text, /Save 70%&more/);
  assert.match(text, /http:\/\/cheap\.example\.com\/buy\s+click/);
  assert.match(text, /Café €5/);
  assert.doesNotMatch(text, /color|var x|hidden|<|>/);
  const raw = 'Subject: s\nContent-Type: text/html\n\n<div>Hello<br/>World</div>';
  assert.equal(emailToText(raw), 's\n\nHello\nWorld');
});
