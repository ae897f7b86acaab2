# Annotated target for the tests pack's skips and focus (Ruby), as `spec/models/order_spec.rb`.
require "rails_helper"

RSpec.describe Order do
  # ruleid: tests/skipped-test
  xit "charges the card" do
    expect(1 + 1).to eq(2)
  end

  # ok: tests/skipped-test
  xit "splits the payment"

  # ok: tests/skipped-test
  it "supports wallets"

  # ok: tests/skipped-test
  pending "add some examples to (or delete) #{__FILE__}"

  # ruleid: tests/skipped-test
  skip "waits for the new tax rules" do
    expect(Order.new.tax).to eq(0)
  end

  it "keeps pending orders" do
    # ok: tests/skipped-test
    pending = Order.create!(state: "pending")
    expect(pending).to be_persisted
  end

  it "refunds the card" do
    if ENV["PAYMENTS_SANDBOX"].nil?
      # ok: tests/skipped-test
      skip "needs the payments sandbox"
    end
    expect(2 - 1).to eq(1)
  end

  it "prints the receipt" do
    # ruleid: tests/skipped-test
    skip "the printer driver is broken"
    expect(true).to be(true)
  end

  it "exposes the current resource owner" do
    # A stub: nothing written yet that the skip could turn off.
    # ok: tests/skipped-test
    skip "will be tested through the test controller"
  end

  it "emails the receipt" do
    # ok: tests/skipped-test
    skip "needs SMTP" unless ENV["SMTP_URL"]
    expect(true).to be(true)
  end

  # ruleid: tests/focused-test
  fit "totals the cart" do
    expect(3).to eq(3)
  end
end
