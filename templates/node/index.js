import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html>
<title>Hello from Node.js</title>
<h1>Hello from Node.js</h1>
<p>Edit <code>index.js</code>, then press Restart to see your change. You asked for <code>${req.url}</code>.</p>
`);
});

server.listen(port, '0.0.0.0', () => console.log(`listening on port ${port}`));
