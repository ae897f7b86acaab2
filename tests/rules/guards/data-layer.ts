// Annotated target for the data-layer pack (TypeScript), checked as `web/src/api/loader.ts`.
import fs from "node:fs";
import path from "node:path";
import axios from "axios";

export interface Order {
  id: string;
  total: number;
}

export function loadOrders(): Order[] {
  // ruleid: data-layer/fixture-read-js
  const raw = fs.readFileSync(path.join(__dirname, "../fixtures/orders.json"), "utf8");
  return JSON.parse(raw) as Order[];
}

export async function loadCustomers(): Promise<unknown> {
  // ruleid: data-layer/fixture-read-js
  const response = await fetch("/mocks/customers.json");
  return response.json();
}

export async function loadInvoices(): Promise<string> {
  // ruleid: data-layer/fixture-read-js
  return fs.promises.readFile(`${__dirname}/__mocks__/invoices.json`, "utf8");
}

export async function loadRefunds(): Promise<unknown> {
  // ruleid: data-layer/fixture-read-js
  const { data } = await axios.get("/static/mock-refunds.json");
  return data;
}

export async function listOrders(): Promise<Order[]> {
  // ok: data-layer/fixture-read-js
  const { data } = await axios.get<Order[]>("/api/orders");
  return data;
}

export function readConfig(): string {
  // ok: data-layer/fixture-read-js
  return fs.readFileSync(path.join(__dirname, "config", "app.json"), "utf8");
}

export function explain(): string {
  // ok: data-layer/fixture-read-js
  return ["Demo data lives in", "fixtures/orders.json"].join(" ");
}

// ok: data-layer/fixture-read-js
export const IGNORED_FOLDERS = ["fixtures", "__mocks__", "node_modules"];
