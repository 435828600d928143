export function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This page does not exist. <a href="/">Back to the shop</a>.
      </p>
    </section>
  );
}
